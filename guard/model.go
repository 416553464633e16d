package guard

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Model is the learned part of the classifier: multinomial logistic
// regression over hashed features, weights stored as int8 with one scale
// per label. Sums are taken in integers and scaled once, and the table is a
// quarter of float32's, which keeps it in cache.
type Model struct {
	Bits int // 1<<Bits hash buckets
	// Thresholds per domain: the abuse probability from which a text is
	// labelled. Counsel's is tuned for counselors (few false warnings), the
	// others for the best F1 on their set's rows held out in training.
	Thresholds [numDomains]float32
	Bias       [numLabels]float32 // per label
	Scale      [numLabels]float32 // weight = int8 × scale
	W          []int8             // [bucket][label]
}

//go:embed model/guard.model
var defaultModelData []byte

// DefaultModel decodes the model shipped in the package.
func DefaultModel() (*Model, error) {
	m, err := ReadModel(bytes.NewReader(defaultModelData))
	if err != nil {
		return nil, fmt.Errorf("read embedded model: %w", err)
	}
	return m, nil
}

const modelMagic = "MWGUARD1"

// header is the fixed part of the model file, little-endian, after the
// magic; the weights follow, and the whole file is gzip-compressed.
type header struct {
	Schema     uint32
	Bits       uint8
	Labels     uint8
	_          [2]uint8
	Domains    uint8
	_          [3]uint8
	Thresholds [numDomains]float32
	Bias       [numLabels]float32
	Scale      [numLabels]float32
}

// WriteTo writes m in the model file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	// Fixed gzip settings and no timestamp make the file a function of the
	// weights alone, so retraining on the same data gives the same bytes.
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte(modelMagic))
	binary.Write(zw, binary.LittleEndian, header{Schema: featureSchema, Bits: uint8(m.Bits), Labels: numLabels,
		Domains: uint8(numDomains), Thresholds: m.Thresholds, Bias: m.Bias, Scale: m.Scale})
	b := make([]byte, len(m.W))
	for i, v := range m.W {
		b[i] = byte(v)
	}
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return 0, err
	}
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// ReadModel reads a model written by WriteTo.
func ReadModel(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a guard model: %w", err)
	}
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(zr, magic); err != nil || string(magic) != modelMagic {
		return nil, fmt.Errorf("not a guard model")
	}
	var h header
	if err := binary.Read(zr, binary.LittleEndian, &h); err != nil {
		return nil, fmt.Errorf("read model header: %w", err)
	}
	if h.Schema != featureSchema {
		return nil, fmt.Errorf("model has feature schema %d, this build computes %d: retrain with `minwon guard train`", h.Schema, featureSchema)
	}
	if h.Labels != numLabels || h.Domains != uint8(numDomains) || h.Bits < 8 || h.Bits > 24 {
		return nil, fmt.Errorf("model shape %d labels × %d domains × 2^%d not supported", h.Labels, h.Domains, h.Bits)
	}
	m := &Model{Bits: int(h.Bits), Thresholds: h.Thresholds, Bias: h.Bias, Scale: h.Scale}
	b := make([]byte, (1<<m.Bits)*numLabels)
	if _, err := io.ReadFull(zr, b); err != nil {
		return nil, fmt.Errorf("read model weights: %w", err)
	}
	m.W = make([]int8, len(b))
	for i, v := range b {
		m.W[i] = int8(v)
	}
	return m, nil
}

func (m *Model) bucket(h uint64) int { return int(h>>(64-m.Bits)) * numLabels }

func (m *Model) logits(feats []uint64, z *[numLabels]float32) {
	var sum [numLabels]int32
	for _, h := range feats {
		w := m.W[m.bucket(h):][:numLabels]
		sum[0] += int32(w[0])
		sum[1] += int32(w[1])
		sum[2] += int32(w[2])
		sum[3] += int32(w[3])
	}
	for c := range z {
		z[c] = float32(sum[c])*m.Scale[c] + m.Bias[c]
	}
}

func (m *Model) weight(h uint64, c int) float32 { return float32(m.W[m.bucket(h)+c]) * m.Scale[c] }

func softmax(z [numLabels]float32) [numLabels]float32 {
	mx := z[0]
	for _, v := range z[1:] {
		mx = max(mx, v)
	}
	var p [numLabels]float32
	var sum float32
	for c, v := range z {
		p[c] = float32(math.Exp(float64(v - mx)))
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
	return p
}
