package awsendpoint

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"

	route53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Route53 speaks REST-XML: the operation is the method and path under the
// API version, parameters are in the query, answers are XML documents named
// after the operation. Only ListHostedZones is served.
const (
	route53PathPrefix = "/2013-04-01/"
	route53Namespace  = "https://route53.amazonaws.com/doc/2013-04-01/"
	// route53MaxItems is ListHostedZones' default and largest page.
	route53MaxItems = 100
)

// PutHostedZone creates or replaces the hosted zone with the same Id (with
// or without the /hostedzone/ prefix); Name gets its trailing dot, as
// Route53 returns it.
func (s *State) PutHostedZone(z route53types.HostedZone) error {
	id := strings.TrimPrefix(deref(z.Id), "/hostedzone/")
	if id == "" || deref(z.Name) == "" {
		return errors.New("put hosted zone: Id and Name are required")
	}
	z = deepCopy(z)
	z.Id = &id
	if name := deref(z.Name); !strings.HasSuffix(name, ".") {
		name += "."
		z.Name = &name
	}
	if z.CallerReference == nil {
		ref := "lbctl-sandbox-" + id
		z.CallerReference = &ref
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zones.put(id, z, s.next)
	return nil
}

// route53Zone is a HostedZone element.
type route53Zone struct {
	ID              string `xml:"Id"`
	Name            string `xml:"Name"`
	CallerReference string `xml:"CallerReference"`
	Config          *struct {
		Comment     string `xml:"Comment,omitempty"`
		PrivateZone bool   `xml:"PrivateZone"`
	} `xml:"Config,omitempty"`
	ResourceRecordSetCount int64 `xml:"ResourceRecordSetCount"`
}

type listHostedZonesResponse struct {
	XMLName     xml.Name      `xml:"ListHostedZonesResponse"`
	Xmlns       string        `xml:"xmlns,attr"`
	HostedZones []route53Zone `xml:"HostedZones>HostedZone"`
	Marker      string        `xml:"Marker"`
	IsTruncated bool          `xml:"IsTruncated"`
	NextMarker  string        `xml:"NextMarker,omitempty"`
	MaxItems    string        `xml:"MaxItems"`
}

func (h *Handler) serveRoute53(w http.ResponseWriter, r *http.Request, requestID string) {
	op := strings.TrimPrefix(r.URL.Path, route53PathPrefix)
	action := "Route53:" + op
	if r.Method == http.MethodGet && op == "hostedzone" {
		action = "ListHostedZones"
	}
	h.count(action)
	if !h.allowAnonymous && r.Header.Get("Authorization") == "" {
		writeRoute53Error(w, &apiError{http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token"}, requestID)
		return
	}
	if action != "ListHostedZones" {
		writeRoute53Error(w, &apiError{http.StatusNotFound, "UnknownOperationException", r.Method + " " + r.URL.Path + " is not served by the sandbox"}, requestID)
		return
	}
	fault, kind := h.faults.roll(action)
	if !sleep(r.Context(), fault.Latency) {
		return
	}
	switch kind {
	case faultThrottle:
		writeRoute53Error(w, &apiError{http.StatusBadRequest, "Throttling", "Rate exceeded"}, requestID)
		return
	case faultServerError:
		writeRoute53Error(w, &apiError{http.StatusInternalServerError, "InternalFailure", "An internal error has occurred."}, requestID)
		return
	case faultDenied:
		writeRoute53Error(w, &apiError{http.StatusForbidden, "AccessDenied", "User is not authorized to perform: route53:" + action}, requestID)
		return
	}
	q := r.URL.Query()
	max := route53MaxItems
	if v := q.Get("maxitems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeRoute53Error(w, &apiError{http.StatusBadRequest, "InvalidInput", "maxitems must be a positive number"}, requestID)
			return
		}
		max = min(n, route53MaxItems)
	}
	var zones []route53types.HostedZone
	h.state.read(func() {
		for _, e := range h.state.zones.ordered(nil) {
			zones = append(zones, e.v)
		}
	})
	// Pages follow insertion order; the marker is the next zone's ID.
	start := 0
	if m := q.Get("marker"); m != "" {
		start = -1
		for i, z := range zones {
			if deref(z.Id) == m {
				start = i
			}
		}
		if start < 0 {
			writeRoute53Error(w, &apiError{http.StatusBadRequest, "InvalidInput", "marker " + m + " is not a hosted zone"}, requestID)
			return
		}
	}
	out := listHostedZonesResponse{Xmlns: route53Namespace, Marker: q.Get("marker"), MaxItems: strconv.Itoa(max), HostedZones: []route53Zone{}}
	end := min(start+max, len(zones))
	for _, z := range zones[start:end] {
		rz := route53Zone{ID: "/hostedzone/" + deref(z.Id), Name: deref(z.Name), CallerReference: deref(z.CallerReference)}
		if z.Config != nil {
			rz.Config = &struct {
				Comment     string `xml:"Comment,omitempty"`
				PrivateZone bool   `xml:"PrivateZone"`
			}{Comment: deref(z.Config.Comment), PrivateZone: z.Config.PrivateZone}
		}
		if z.ResourceRecordSetCount != nil {
			rz.ResourceRecordSetCount = *z.ResourceRecordSetCount
		}
		out.HostedZones = append(out.HostedZones, rz)
	}
	if end < len(zones) {
		out.IsTruncated, out.NextMarker = true, deref(zones[end].Id)
	}
	b, err := xml.Marshal(out)
	if err != nil {
		writeRoute53Error(w, internalError(err), requestID)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

func writeRoute53Error(w http.ResponseWriter, e *apiError, requestID string) {
	kind := "Sender"
	if e.status >= 500 {
		kind = "Receiver"
	}
	b, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Type      string   `xml:"Error>Type"`
		Code      string   `xml:"Error>Code"`
		Message   string   `xml:"Error>Message"`
		RequestID string   `xml:"RequestId"`
	}{Xmlns: route53Namespace, Type: kind, Code: e.code, Message: e.message, RequestID: requestID})
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(e.status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}
