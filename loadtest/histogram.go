package loadtest

import (
	"encoding/json"
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry shared by every latency histogram, so that any two
// merge bucket to bucket: microseconds from 1 µs to one hour at 3
// significant digits (0.1% resolution), about 190 KB whatever the count.
const (
	histMin    = 1
	histMax    = int64(time.Hour / time.Microsecond)
	histDigits = 3
)

// Histogram is a latency HdrHistogram in microseconds. It marshals to
// JSON as the standard HdrHistogram V2 compressed encoding (base64), which
// is lossless and readable by HdrHistogram tools in other languages;
// merging two of them equals recording both sets of samples into one.
type Histogram struct {
	h *hdrhistogram.Histogram
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(histMin, histMax, histDigits)}
}

// Record adds one latency; values past the range are clamped to it.
func (h *Histogram) Record(d time.Duration) {
	_ = h.h.RecordValue(clampMicros(d))
}

// Merge adds other's counts to h.
func (h *Histogram) Merge(other *Histogram) {
	if other != nil && other.h != nil {
		h.h.Merge(other.h)
	}
}

// Count is the number of recorded values.
func (h *Histogram) Count() int64 { return h.h.TotalCount() }

// Quantile returns the latency at quantile q in [0, 100] (HdrHistogram's
// percentile: the highest value equivalent to the one at that rank).
func (h *Histogram) Quantile(p float64) time.Duration {
	if h.h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.h.ValueAtPercentile(p)) * time.Microsecond
}

// Max is the largest recorded latency.
func (h *Histogram) Max() time.Duration {
	if h.h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.h.Max()) * time.Microsecond
}

// Min is the smallest recorded latency.
func (h *Histogram) Min() time.Duration {
	if h.h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.h.Min()) * time.Microsecond
}

// Mean is the mean latency.
func (h *Histogram) Mean() time.Duration {
	return time.Duration(h.h.Mean() * float64(time.Microsecond))
}

// Equal reports whether both hold the same counts.
func (h *Histogram) Equal(o *Histogram) bool { return h.h.Equals(o.h) }

// Clone returns an independent copy.
func (h *Histogram) Clone() *Histogram { return &Histogram{h: h.h.Clone()} }

// Buckets calls fn for each populated bucket, in increasing value order,
// with a value representative of the bucket and its count.
func (h *Histogram) Buckets(fn func(v time.Duration, count int64)) {
	for _, b := range h.h.Distribution() {
		if b.Count > 0 {
			fn(time.Duration((b.From+b.To)/2)*time.Microsecond, b.Count)
		}
	}
}

// MarshalJSON encodes the histogram losslessly (HdrHistogram V2 compressed).
func (h *Histogram) MarshalJSON() ([]byte, error) {
	b, err := h.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("encode histogram: %w", err)
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON decodes what MarshalJSON wrote; a histogram of another
// geometry is re-recorded into the shared one so it still merges.
func (h *Histogram) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("histogram: want a base64 HdrHistogram string: %w", err)
	}
	d, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return fmt.Errorf("decode histogram: %w", err)
	}
	if d.SignificantFigures() == histDigits && d.LowestTrackableValue() == histMin && d.HighestTrackableValue() == histMax {
		h.h = d
		return nil
	}
	h.h = hdrhistogram.New(histMin, histMax, histDigits)
	h.h.Merge(d)
	return nil
}

// Sparse is a latency histogram of the same geometry whose storage grows
// with its populated buckets only (a few KB for a second of traffic): what
// the 1 s windows and the per-pod breakdown use, so that a long run or a
// large estate stays small. It marshals like Histogram.
type Sparse struct {
	p *hdrhistogram.PackedHistogram
}

// NewSparse returns an empty sparse histogram.
func NewSparse() *Sparse { return &Sparse{p: hdrhistogram.NewPacked(histMin, histMax, histDigits)} }

// Record adds one latency, clamped like Histogram.Record.
func (s *Sparse) Record(d time.Duration) { _ = s.p.RecordValue(clampMicros(d)) }

// Count is the number of recorded values.
func (s *Sparse) Count() int64 { return s.p.TotalCount() }

// Quantile returns the latency at percentile p in [0, 100].
func (s *Sparse) Quantile(p float64) time.Duration {
	if s.p.TotalCount() == 0 {
		return 0
	}
	return time.Duration(s.p.ValueAtPercentile(p)) * time.Microsecond
}

// Max is the largest recorded latency.
func (s *Sparse) Max() time.Duration {
	if s.p.TotalCount() == 0 {
		return 0
	}
	return time.Duration(s.p.Max()) * time.Microsecond
}

// Merge adds other's counts to s.
func (s *Sparse) Merge(other *Sparse) {
	if other != nil {
		s.p.Merge(other.p)
	}
}

// AddTo adds s's counts to a dense histogram.
func (s *Sparse) AddTo(h *Histogram) { s.p.MergeInto(h.h) }

// Dense returns s as a dense histogram.
func (s *Sparse) Dense() *Histogram {
	h := NewHistogram()
	s.AddTo(h)
	return h
}

// MarshalJSON encodes s in the same format as Histogram.
func (s *Sparse) MarshalJSON() ([]byte, error) {
	b, err := s.p.Encode()
	if err != nil {
		return nil, fmt.Errorf("encode histogram: %w", err)
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON decodes what MarshalJSON (or Histogram's) wrote.
func (s *Sparse) UnmarshalJSON(data []byte) error {
	var h Histogram
	if err := h.UnmarshalJSON(data); err != nil {
		return err
	}
	s.p = hdrhistogram.NewPacked(histMin, histMax, histDigits)
	s.p.MergeFrom(h.h)
	return nil
}

func clampMicros(d time.Duration) int64 {
	v := int64(d / time.Microsecond)
	if v < 0 {
		return 0
	}
	return min(v, histMax)
}
