package recording

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// KeySize is the size of a recording master key: AES-256.
const KeySize = 32

// Keyring holds the master keys recordings are sealed with, by key id. The
// current key seals new recordings; every key opens old ones, so a key can
// be rotated without re-encrypting what is stored.
type Keyring struct {
	current string
	keys    map[string][]byte
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// NewKeyring builds a keyring; current must be one of keys.
func NewKeyring(current string, keys map[string][]byte) (*Keyring, error) {
	k := &Keyring{current: current, keys: map[string][]byte{}}
	for id, key := range keys {
		if !keyIDPattern.MatchString(id) {
			return nil, minwon.Errorf(minwon.EINVALID, "recording key id %q: use 1–32 of A-Z a-z 0-9 . _ -", id)
		}
		if len(key) != KeySize {
			return nil, minwon.Errorf(minwon.EINVALID, "recording key %q: %d bytes, want %d", id, len(key), KeySize)
		}
		k.keys[id] = slices.Clone(key)
	}
	if _, ok := k.keys[current]; !ok {
		return nil, minwon.Errorf(minwon.EINVALID, "recording keys: current key %q is not in the keyring", current)
	}
	return k, nil
}

// ParseKeyring reads keys written as "id:key,id:key" (the form of
// MINWON_RECORDING_KEYS). Each key is 32 bytes in hex (64 digits) or base64
// (standard or URL alphabet). The first key is current.
func ParseKeyring(s string) (*Keyring, error) {
	keys := map[string][]byte{}
	current := ""
	for i, part := range strings.Split(strings.TrimSpace(s), ",") {
		id, enc, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || id == "" || enc == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "recording keys: entry %d: want id:key", i+1)
		}
		key, err := decodeKey(enc)
		if err != nil {
			return nil, minwon.Errorf(minwon.EINVALID, "recording key %q: %s", id, minwon.ErrorMessage(err))
		}
		if _, dup := keys[id]; dup {
			return nil, minwon.Errorf(minwon.EINVALID, "recording keys: id %q listed twice", id)
		}
		keys[id] = key
		if i == 0 {
			current = id
		}
	}
	return NewKeyring(current, keys)
}

func decodeKey(s string) ([]byte, error) {
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, minwon.Errorf(minwon.EINVALID, "%d bytes, want %d", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, minwon.Errorf(minwon.EINVALID, "not 64 hex digits or base64 of %d bytes", KeySize)
}

// Current returns the id of the key that seals new recordings.
func (k *Keyring) Current() string { return k.current }

// IDs returns the key ids, current first.
func (k *Keyring) IDs() []string {
	ids := []string{k.current}
	for id := range k.keys {
		if id != k.current {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids[1:])
	return ids
}

// String names the keys, never their bytes, so a keyring in a log is safe.
func (k *Keyring) String() string { return "recording keys " + strings.Join(k.IDs(), ",") }

// LogValue keeps key bytes out of slog output.
func (k *Keyring) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Errors from reading a sealed recording.
var (
	// ErrTampered: the file failed authentication — altered, truncated,
	// reordered, or sealed under another key with the same id.
	ErrTampered = errors.New("recording: file is damaged or was tampered with")
	// ErrUnknownKey: the file names a key id the keyring does not hold.
	ErrUnknownKey = errors.New("recording: sealed with a key that is not configured")
)

// File layout (all integers big-endian):
//
//	header  magic "MWREC\x00" | version 1 | reserved 0 | file id [16] |
//	        chunk size u32 | channels u16 | rate u32 | bits u16 |
//	        key id length u8 | key id
//	chunks  AES-256-GCM of each chunk-size piece of PCM (the last may be
//	        shorter), 16-byte tag each
//	trailer AES-256-GCM of: PCM size u64 | SHA-256 of the whole WAV [32]
//
// Each file gets its own AES key, HKDF-SHA256(master key, salt = file id),
// so chunk nonces can be counters: byte 0 is 1 for the trailer and 0 for
// data, bytes 4–11 the chunk index. The header is the additional data of
// every chunk. Reordering chunks breaks the nonce, cutting the file breaks
// the trailer (whose index is the chunk count), editing the header breaks
// every chunk.
const (
	magic        = "MWREC\x00"
	version      = 1
	chunkSize    = 32 << 10 // 1.024 s of stereo 8 kHz audio
	tagSize      = 16
	trailerPlain = 8 + sha256.Size
	trailerSize  = trailerPlain + tagSize
	fileIDSize   = 16
	fixedHeader  = len(magic) + 2 + fileIDSize + 4 + 8 + 1
)

// Summary describes a sealed recording: what the recording event stores.
type Summary struct {
	FileID string `json:"file_id"`
	KeyID  string `json:"key_id"`
	Format Format `json:"format"`
	// Size is the decrypted WAV's size in bytes, header included.
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of the decrypted WAV, as `sha256sum` prints it.
	SHA256   string        `json:"sha256"`
	Duration time.Duration `json:"duration"`
}

// WriterFile is what a Writer needs: appending, and reading back at Close
// to hash what was actually stored. *os.File is one.
type WriterFile interface {
	io.Writer
	io.ReaderAt
}

// Writer seals a WAV recording as PCM arrives, holding one chunk in memory.
type Writer struct {
	f       WriterFile
	aead    cipher.AEAD
	header  []byte
	format  Format
	fileID  []byte
	keyID   string
	buf     []byte
	nonce   [12]byte
	index   uint64
	size    int64 // PCM bytes accepted
	err     error
	closed  bool
	summary Summary
}

// NewWriter starts a sealed recording in f, which must be empty, under the
// keyring's current key.
func NewWriter(f WriterFile, keys *Keyring, format Format) (*Writer, error) {
	if format != Stereo && format != Mono {
		return nil, minwon.Errorf(minwon.EINVALID, "recording: format %+v; want 8 kHz 16-bit stereo or mono", format)
	}
	fileID := make([]byte, fileIDSize)
	if _, err := rand.Read(fileID); err != nil {
		return nil, fmt.Errorf("recording file id: %w", err)
	}
	aead, err := fileCipher(keys.keys[keys.current], fileID)
	if err != nil {
		return nil, err
	}
	h := make([]byte, 0, fixedHeader+len(keys.current))
	h = append(h, magic...)
	h = append(h, version, 0)
	h = append(h, fileID...)
	h = binary.BigEndian.AppendUint32(h, chunkSize)
	h = binary.BigEndian.AppendUint16(h, uint16(format.Channels))
	h = binary.BigEndian.AppendUint32(h, uint32(format.SampleRate))
	h = binary.BigEndian.AppendUint16(h, uint16(format.Bits))
	h = append(h, byte(len(keys.current)))
	h = append(h, keys.current...)
	if _, err := f.Write(h); err != nil {
		return nil, fmt.Errorf("write recording header: %w", err)
	}
	return &Writer{
		f: f, aead: aead, header: h, format: format, fileID: fileID, keyID: keys.current,
		// Chunks are sealed in place, so buf has room for the tag.
		buf: make([]byte, 0, chunkSize+tagSize),
	}, nil
}

func fileCipher(master, fileID []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, master, fileID, "minwon recording v1", KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive recording key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("recording cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

func setNonce(n *[12]byte, trailer bool, index uint64) {
	*n = [12]byte{}
	if trailer {
		n[0] = 1
	}
	binary.BigEndian.PutUint64(n[4:], index)
}

// Write appends PCM, sealing each full chunk.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, minwon.Errorf(minwon.EINVALID, "recording: write after close")
	}
	if w.size+int64(len(p)) > maxWAVData {
		w.err = minwon.Errorf(minwon.ETOOLARGE, "recording: beyond 4 GiB of audio")
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), chunkSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		w.size += int64(k)
		if len(w.buf) == chunkSize {
			if err := w.sealChunk(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

func (w *Writer) sealChunk() error {
	setNonce(&w.nonce, false, w.index)
	sealed := w.aead.Seal(w.buf[:0], w.nonce[:], w.buf, w.header)
	if _, err := w.f.Write(sealed); err != nil {
		w.err = fmt.Errorf("write recording chunk: %w", err)
		return w.err
	}
	w.index++
	w.buf = w.buf[:0]
	return nil
}

// Close seals the last chunk, reads the stored chunks back to hash the WAV
// exactly as playback will produce it, and writes the trailer. It does not
// sync or close f.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if len(w.buf) > 0 {
		if err := w.sealChunk(); err != nil {
			return err
		}
	}
	sum, err := w.hashStored()
	if err != nil {
		w.err = err
		return err
	}
	plain := binary.BigEndian.AppendUint64(make([]byte, 0, trailerPlain), uint64(w.size))
	plain = append(plain, sum...)
	setNonce(&w.nonce, true, w.index)
	if _, err := w.f.Write(w.aead.Seal(nil, w.nonce[:], plain, w.header)); err != nil {
		w.err = fmt.Errorf("write recording trailer: %w", err)
		return w.err
	}
	w.summary = Summary{
		FileID:   hex.EncodeToString(w.fileID),
		KeyID:    w.keyID,
		Format:   w.format,
		Size:     WAVHeaderSize + w.size,
		SHA256:   hex.EncodeToString(sum),
		Duration: time.Duration(w.size/int64(w.format.blockAlign())) * time.Second / time.Duration(w.format.SampleRate),
	}
	return nil
}

func (w *Writer) hashStored() ([]byte, error) {
	h := sha256.New()
	h.Write(wavHeader(w.format, w.size))
	c := &chunkReader{r: w.f, aead: w.aead, header: w.header, size: w.size}
	for i := uint64(0); i < w.index; i++ {
		plain, err := c.chunk(i)
		if err != nil {
			return nil, fmt.Errorf("read back recording: %w", err)
		}
		h.Write(plain)
	}
	return h.Sum(nil), nil
}

// Summary describes the recording; valid after a successful Close.
func (w *Writer) Summary() Summary { return w.summary }

// chunkReader decrypts data chunks by index.
type chunkReader struct {
	r      io.ReaderAt
	aead   cipher.AEAD
	header []byte
	size   int64 // PCM bytes
	sealed []byte
	plain  []byte
}

func (c *chunkReader) chunk(i uint64) ([]byte, error) {
	n := min(int64(chunkSize), c.size-int64(i)*chunkSize)
	if n <= 0 {
		return nil, fmt.Errorf("%w: chunk %d beyond the end", ErrTampered, i)
	}
	if cap(c.sealed) < int(n)+tagSize {
		c.sealed = make([]byte, chunkSize+tagSize)
	}
	sealed := c.sealed[:n+tagSize]
	off := int64(len(c.header)) + int64(i)*(chunkSize+tagSize)
	if _, err := c.r.ReadAt(sealed, off); err != nil {
		return nil, fmt.Errorf("%w: chunk %d: %v", ErrTampered, i, err)
	}
	var nonce [12]byte
	setNonce(&nonce, false, i)
	plain, err := c.aead.Open(c.plain[:0], nonce[:], sealed, c.header)
	if err != nil {
		return nil, fmt.Errorf("%w: chunk %d fails authentication", ErrTampered, i)
	}
	c.plain = plain
	return plain, nil
}

// Reader plays back a sealed recording as a WAV file. It is an
// io.ReadSeeker, so http.ServeContent can answer Range requests from it; a
// seek decrypts only the chunk it lands in. A Reader is not safe for
// concurrent use.
type Reader struct {
	c       *chunkReader
	head    []byte // WAV header
	summary Summary
	pos     int64
	cur     int64 // index of the chunk in c.plain, -1 for none
	// Sequential reads from the start are hashed and checked at EOF.
	hash    hash.Hash
	hashPos int64
	want    []byte
}

// NewReader opens a sealed recording of the given size. It checks the header
// and the trailer (so a truncated file is refused at once); each chunk is
// authenticated when it is read.
func NewReader(r io.ReaderAt, size int64, keys *Keyring) (*Reader, error) {
	hd, err := readHeader(r, keys)
	if err != nil {
		return nil, err
	}
	header, fileID, format, keyID, aead := hd.raw, hd.fileID, hd.format, hd.keyID, hd.aead
	body := size - int64(len(header)) - trailerSize
	if body < 0 {
		return nil, fmt.Errorf("%w: truncated (no trailer)", ErrTampered)
	}
	chunks := (body + chunkSize + tagSize - 1) / (chunkSize + tagSize)
	pcm := body - chunks*tagSize
	trailer := make([]byte, trailerSize)
	if _, err := r.ReadAt(trailer, size-trailerSize); err != nil {
		return nil, fmt.Errorf("%w: read trailer: %v", ErrTampered, err)
	}
	var nonce [12]byte
	setNonce(&nonce, true, uint64(chunks))
	plain, err := aead.Open(nil, nonce[:], trailer, header)
	if err != nil {
		return nil, fmt.Errorf("%w: trailer fails authentication (truncated, extended or altered)", ErrTampered)
	}
	if got := int64(binary.BigEndian.Uint64(plain)); got != pcm || pcm < 0 {
		return nil, fmt.Errorf("%w: trailer says %d bytes of audio, file holds %d", ErrTampered, got, pcm)
	}
	sum := plain[8:]
	return &Reader{
		c:    &chunkReader{r: r, aead: aead, header: header, size: pcm},
		head: wavHeader(format, pcm),
		summary: Summary{
			FileID: hex.EncodeToString(fileID), KeyID: keyID, Format: format,
			Size: WAVHeaderSize + pcm, SHA256: hex.EncodeToString(sum),
			Duration: time.Duration(pcm/int64(format.blockAlign())) * time.Second / time.Duration(format.SampleRate),
		},
		cur:  -1,
		hash: sha256.New(),
		want: sum,
	}, nil
}

type fileHeader struct {
	raw    []byte
	fileID []byte
	format Format
	keyID  string
	aead   cipher.AEAD
}

// readHeader parses a sealed file's header and derives its cipher. The
// header is only authenticated later, as the additional data of each chunk.
func readHeader(r io.ReaderAt, keys *Keyring) (fileHeader, error) {
	fixed := make([]byte, fixedHeader)
	if _, err := r.ReadAt(fixed, 0); err != nil {
		return fileHeader{}, fmt.Errorf("%w: short header", ErrTampered)
	}
	if string(fixed[:len(magic)]) != magic {
		return fileHeader{}, minwon.Errorf(minwon.EINVALID, "not a minwon recording")
	}
	if v := fixed[len(magic)]; v != version {
		return fileHeader{}, minwon.Errorf(minwon.EINVALID, "recording format version %d not supported", v)
	}
	p := len(magic) + 2
	h := fileHeader{fileID: fixed[p : p+fileIDSize]}
	p += fileIDSize
	chunk := binary.BigEndian.Uint32(fixed[p:])
	h.format = Format{
		Channels:   int(binary.BigEndian.Uint16(fixed[p+4:])),
		SampleRate: int(binary.BigEndian.Uint32(fixed[p+6:])),
		Bits:       int(binary.BigEndian.Uint16(fixed[p+10:])),
	}
	h.raw = make([]byte, fixedHeader+int(fixed[p+12]))
	if _, err := r.ReadAt(h.raw, 0); err != nil {
		return fileHeader{}, fmt.Errorf("%w: short header", ErrTampered)
	}
	h.keyID = string(h.raw[fixedHeader:])
	if chunk != chunkSize || h.format != Stereo && h.format != Mono {
		return fileHeader{}, fmt.Errorf("%w: header describes %d-byte chunks of %+v", ErrTampered, chunk, h.format)
	}
	master, ok := keys.keys[h.keyID]
	if !ok {
		return fileHeader{}, fmt.Errorf("%w: key id %q (configured: %s)", ErrUnknownKey, h.keyID, strings.Join(keys.IDs(), ", "))
	}
	aead, err := fileCipher(master, h.fileID)
	if err != nil {
		return fileHeader{}, err
	}
	h.aead = aead
	return h, nil
}

// Summary describes the recording, from its authenticated trailer.
func (r *Reader) Summary() Summary { return r.summary }

// Size is the decrypted WAV's size.
func (r *Reader) Size() int64 { return r.summary.Size }

// Read reads the decrypted WAV.
func (r *Reader) Read(p []byte) (int, error) {
	size := r.Size()
	if r.pos >= size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.pos < size {
		var src []byte
		if r.pos < WAVHeaderSize {
			src = r.head[r.pos:]
		} else {
			off := r.pos - WAVHeaderSize
			i := off / chunkSize
			if i != r.cur {
				if _, err := r.c.chunk(uint64(i)); err != nil {
					r.cur = -1
					return n, err
				}
				r.cur = i
			}
			src = r.c.plain[off-i*chunkSize:]
		}
		k := copy(p[n:], src)
		if r.hashPos == r.pos {
			r.hash.Write(src[:k])
			r.hashPos += int64(k)
		}
		n += k
		r.pos += int64(k)
	}
	if r.pos == size && r.hashPos == size && subtle.ConstantTimeCompare(r.hash.Sum(nil), r.want) != 1 {
		return n, fmt.Errorf("%w: SHA-256 of the audio does not match the recorded one", ErrTampered)
	}
	return n, nil
}

// Seek implements io.Seeker over the decrypted WAV.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.Size() + offset
	default:
		return 0, minwon.Errorf(minwon.EINVALID, "recording: bad whence %d", whence)
	}
	if abs < 0 {
		return 0, minwon.Errorf(minwon.EINVALID, "recording: seek before start")
	}
	r.pos = abs
	return abs, nil
}

// Verify reads a whole sealed recording, authenticating every chunk and the
// SHA-256, and returns its summary.
func Verify(r io.ReaderAt, size int64, keys *Keyring) (Summary, error) {
	rd, err := NewReader(r, size, keys)
	if err != nil {
		return Summary{}, err
	}
	if _, err := io.Copy(io.Discard, rd); err != nil {
		return Summary{}, err
	}
	return rd.Summary(), nil
}

// RecoverFile is what Recover needs: *os.File is one.
type RecoverFile interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
}

// Recover makes a recording cut short by a crash playable again. It keeps
// the longest run of chunks from the start that authenticate, cuts the file
// after them and seals a new trailer. A file that already opens is left as
// it is. Audio in a damaged chunk and after it is lost; what is kept is
// exactly what was sealed at recording time.
func Recover(f RecoverFile, size int64, keys *Keyring) (Summary, error) {
	if r, err := NewReader(f, size, keys); err == nil {
		return r.Summary(), nil
	} else if !errors.Is(err, ErrTampered) {
		return Summary{}, err
	}
	hd, err := readHeader(f, keys)
	if err != nil {
		return Summary{}, err
	}
	// Keep full chunks while they authenticate; a short one can only be last.
	c := &chunkReader{r: f, aead: hd.aead, header: hd.raw}
	var pcm int64
	var index uint64
	end := int64(len(hd.raw))
	for {
		n := min(int64(chunkSize), size-end-tagSize)
		if n <= 0 {
			break
		}
		c.size = pcm + n
		if _, err := c.chunk(index); err != nil {
			break
		}
		pcm += n
		end += n + tagSize
		index++
		if n < chunkSize {
			break
		}
	}
	// Second pass: the WAV header, which depends on the size kept, is hashed first.
	c.size = pcm
	sum := sha256.New()
	sum.Write(wavHeader(hd.format, pcm))
	for i := uint64(0); i < index; i++ {
		plain, err := c.chunk(i)
		if err != nil {
			return Summary{}, fmt.Errorf("recover: %w", err)
		}
		sum.Write(plain)
	}
	digest := sum.Sum(nil)
	trailer := binary.BigEndian.AppendUint64(make([]byte, 0, trailerPlain), uint64(pcm))
	trailer = append(trailer, digest...)
	var nonce [12]byte
	setNonce(&nonce, true, index)
	if err := f.Truncate(end); err != nil {
		return Summary{}, fmt.Errorf("recover: cut the damaged tail: %w", err)
	}
	if _, err := f.WriteAt(hd.aead.Seal(nil, nonce[:], trailer, hd.raw), end); err != nil {
		return Summary{}, fmt.Errorf("recover: write trailer: %w", err)
	}
	return Summary{
		FileID: hex.EncodeToString(hd.fileID), KeyID: hd.keyID, Format: hd.format,
		Size: WAVHeaderSize + pcm, SHA256: hex.EncodeToString(digest),
		Duration: time.Duration(pcm/int64(hd.format.blockAlign())) * time.Second / time.Duration(hd.format.SampleRate),
	}, nil
}
