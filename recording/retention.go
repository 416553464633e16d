package recording

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/minwon/minwon"
)

// Stored is what retention needs to know about one stored recording.
type Stored struct {
	ID     string    `json:"id"`
	Tenant string    `json:"tenant"`
	Ended  time.Time `json:"ended"` // when the call ended; retention counts from here
	// Path is the file's name relative to the recordings directory.
	Path string `json:"path"`
	// Holds lists the open incidents or cases that reference the recording.
	// While any is open it is under legal hold and is kept. The caller fills
	// it from the case read model.
	Holds []string `json:"holds,omitempty"`
}

// MaxRetentionDays caps a retention setting: ten years.
const MaxRetentionDays = 3650

// Policy says how long each tenant keeps recordings.
type Policy struct {
	// Days per tenant. 0 keeps recordings until deleted by hand.
	Days map[string]int `json:"days,omitempty"`
	// DefaultDays applies to tenants missing from Days.
	DefaultDays int `json:"default_days"`
}

// Validate rejects negative or absurd periods.
func (p Policy) Validate() error {
	check := func(who string, d int) error {
		if d < 0 || d > MaxRetentionDays {
			return minwon.Errorf(minwon.EINVALID, "retention for %s: %d days; want 0 (keep) to %d", who, d, MaxRetentionDays)
		}
		return nil
	}
	if err := check("the default", p.DefaultDays); err != nil {
		return err
	}
	for t, d := range p.Days {
		if err := check("tenant "+t, d); err != nil {
			return err
		}
	}
	return nil
}

// days returns the tenant's retention period.
func (p Policy) days(tenant string) int {
	if d, ok := p.Days[tenant]; ok {
		return d
	}
	return p.DefaultDays
}

// Expired is a recording due for deletion.
type Expired struct {
	Stored
	// Due is when its retention period ended.
	Due time.Time `json:"due"`
}

// Plan returns the recordings to delete at now, oldest due first: those
// whose tenant's period has passed since the call ended and that are under
// no legal hold. A period of 0 days keeps everything. A period is counted in
// whole 24-hour days.
func Plan(now time.Time, recs []Stored, p Policy) []Expired {
	var out []Expired
	for _, r := range recs {
		d := p.days(r.Tenant)
		if d <= 0 || len(r.Holds) > 0 || r.Ended.IsZero() {
			continue
		}
		due := r.Ended.Add(time.Duration(d) * 24 * time.Hour)
		if !now.Before(due) {
			out = append(out, Expired{Stored: r, Due: due})
		}
	}
	slices.SortStableFunc(out, func(a, b Expired) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Purge deletes the planned files inside root and calls deleted after each
// one, so the caller can record a deletion event. A file already gone counts
// as deleted (a purge interrupted half way is simply run again). Paths that
// would leave root are refused; os.Root enforces it, symlinks included.
// Purge stops at the first error from deleted and otherwise joins the
// per-file errors.
func Purge(root *os.Root, plan []Expired, deleted func(Expired) error) error {
	var errs []error
	for _, e := range plan {
		if err := root.Remove(e.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("delete recording %s: %w", e.ID, err))
			continue
		}
		if deleted != nil {
			if err := deleted(e); err != nil {
				return errors.Join(append(errs, fmt.Errorf("record deletion of %s: %w", e.ID, err))...)
			}
		}
	}
	return errors.Join(errs...)
}
