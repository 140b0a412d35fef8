package awsendpoint

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
)

// ACM speaks the AWS JSON 1.1 protocol, unlike ELBv2 and EC2: a POST whose
// X-Amz-Target header names the operation ("CertificateManager.ListCertificates")
// and whose body and answer are JSON objects with the API's member names.
const (
	acmTargetPrefix = "CertificateManager."
	acmContentType  = "application/x-amz-json-1.1"
	// acmSANSummaries is how many subject alternative names ListCertificates
	// returns per certificate; more set HasAdditionalSubjectAlternativeNames.
	acmSANSummaries = 100
	// acmMaxItems is the largest page ListCertificates returns.
	acmMaxItems = 1000
)

// PutCertificate stores an ACM certificate (its CertificateArn is the key),
// or replaces the one with the same ARN in place. DomainName is added to
// SubjectAlternativeNames when missing, as ACM lists it there too.
func (s *State) PutCertificate(c acmtypes.CertificateDetail) error {
	arn := deref(c.CertificateArn)
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":acm:") {
		return fmt.Errorf("certificate ARN %q is not an ACM ARN", arn)
	}
	c = deepCopy(c)
	if d := deref(c.DomainName); d != "" && !slices.Contains(c.SubjectAlternativeNames, d) {
		c.SubjectAlternativeNames = append([]string{d}, c.SubjectAlternativeNames...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.certs.put(arn, c, s.next)
	return nil
}

// DeleteCertificate removes a certificate; false when it did not exist.
func (s *State) DeleteCertificate(arn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.certs.del(arn)
}

// acmError is a JSON 1.1 error: its type goes in __type and X-Amzn-ErrorType.
type acmError struct {
	status  int
	code    string
	message string
}

func (h *Handler) serveACM(w http.ResponseWriter, r *http.Request, requestID string) {
	action, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), acmTargetPrefix)
	h.count(action)
	if r.Method != http.MethodPost {
		writeACMError(w, &acmError{http.StatusMethodNotAllowed, "MethodNotAllowed", "method " + r.Method + " is not allowed"}, requestID)
		return
	}
	if !h.allowAnonymous && r.Header.Get("Authorization") == "" {
		writeACMError(w, &acmError{http.StatusBadRequest, "MissingAuthenticationTokenException", "Request is missing Authentication Token"}, requestID)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeACMError(w, &acmError{http.StatusBadRequest, "SerializationException", "cannot read the request body"}, requestID)
		return
	}
	var fn func([]byte) (any, *acmError)
	switch action {
	case "ListCertificates":
		fn = h.listCertificates
	case "DescribeCertificate":
		fn = h.describeCertificate
	default:
		writeACMError(w, &acmError{http.StatusBadRequest, "UnknownOperationException", "unknown operation " + action}, requestID)
		return
	}
	fault, kind := h.faults.roll(action)
	if !sleep(r.Context(), fault.Latency) {
		return
	}
	switch kind {
	case faultThrottle:
		writeACMError(w, &acmError{http.StatusBadRequest, "ThrottlingException", "Rate exceeded"}, requestID)
		return
	case faultServerError:
		status := fault.ServerErrorStatus
		if status == 0 {
			status = http.StatusInternalServerError
		}
		writeACMError(w, &acmError{status, "InternalFailure", "An internal error has occurred."}, requestID)
		return
	case faultDenied:
		writeACMError(w, &acmError{http.StatusBadRequest, "AccessDeniedException", "User is not authorized to perform: acm:" + action}, requestID)
		return
	}
	out, apiErr := fn(body)
	if apiErr != nil {
		writeACMError(w, apiErr, requestID)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeACMError(w, &acmError{http.StatusInternalServerError, "InternalFailure", err.Error()}, requestID)
		return
	}
	w.Header().Set("Content-Type", acmContentType)
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func writeACMError(w http.ResponseWriter, e *acmError, requestID string) {
	b, _ := json.Marshal(map[string]string{"__type": e.code, "message": e.message})
	w.Header().Set("Content-Type", acmContentType)
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.Header().Set("X-Amzn-Errortype", e.code)
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

// The JSON shapes of the two operations, with ACM's member names.
type (
	listCertificatesInput struct {
		CertificateStatuses []string `json:"CertificateStatuses"`
		Includes            *struct {
			KeyTypes []string `json:"keyTypes"`
		} `json:"Includes"`
		MaxItems  int    `json:"MaxItems"`
		NextToken string `json:"NextToken"`
	}
	certificateSummary struct {
		CertificateArn                       string   `json:"CertificateArn"`
		DomainName                           string   `json:"DomainName,omitempty"`
		SubjectAlternativeNameSummaries      []string `json:"SubjectAlternativeNameSummaries,omitempty"`
		HasAdditionalSubjectAlternativeNames bool     `json:"HasAdditionalSubjectAlternativeNames"`
		Status                               string   `json:"Status,omitempty"`
		Type                                 string   `json:"Type,omitempty"`
		KeyAlgorithm                         string   `json:"KeyAlgorithm,omitempty"`
		InUse                                bool     `json:"InUse"`
	}
	listCertificatesOutput struct {
		CertificateSummaryList []certificateSummary `json:"CertificateSummaryList"`
		NextToken              string               `json:"NextToken,omitempty"`
	}
	describeCertificateInput struct {
		CertificateArn string `json:"CertificateArn"`
	}
	certificateDetail struct {
		CertificateArn          string   `json:"CertificateArn"`
		DomainName              string   `json:"DomainName,omitempty"`
		SubjectAlternativeNames []string `json:"SubjectAlternativeNames,omitempty"`
		Status                  string   `json:"Status,omitempty"`
		Type                    string   `json:"Type,omitempty"`
		KeyAlgorithm            string   `json:"KeyAlgorithm,omitempty"`
		InUseBy                 []string `json:"InUseBy,omitempty"`
	}
	describeCertificateOutput struct {
		Certificate certificateDetail `json:"Certificate"`
	}
)

// keyTypeOf maps a KeyAlgorithm ("RSA-2048") to its key type filter
// value ("RSA_2048"); a certificate without one is RSA-2048, ACM's default.
func keyTypeOf(c acmtypes.CertificateDetail) string {
	if c.KeyAlgorithm == "" {
		return string(acmtypes.KeyAlgorithmRsa2048)
	}
	return strings.ReplaceAll(string(c.KeyAlgorithm), "-", "_")
}

// listCertificates filters by status and key type (ACM lists only RSA_2048
// certificates unless Includes.keyTypes says otherwise) and pages by
// NextToken.
func (h *Handler) listCertificates(body []byte) (any, *acmError) {
	var in listCertificatesInput
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, &acmError{http.StatusBadRequest, "SerializationException", err.Error()}
		}
	}
	if in.MaxItems < 0 || in.MaxItems > acmMaxItems {
		return nil, &acmError{http.StatusBadRequest, "ValidationException", fmt.Sprintf("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and %d", in.MaxItems, acmMaxItems)}
	}
	keyTypes := []string{string(acmtypes.KeyAlgorithmRsa2048)}
	if in.Includes != nil && len(in.Includes.KeyTypes) > 0 {
		keyTypes = in.Includes.KeyTypes
	}
	var entries []entry[acmtypes.CertificateDetail]
	h.state.read(func() {
		entries = h.state.certs.ordered(func(_ string, c acmtypes.CertificateDetail) bool {
			return (len(in.CertificateStatuses) == 0 || slices.Contains(in.CertificateStatuses, string(c.Status))) && slices.Contains(keyTypes, keyTypeOf(c))
		})
	})
	page, next, ok := paginate(entries, in.NextToken, in.MaxItems)
	if !ok {
		return nil, &acmError{http.StatusBadRequest, "InvalidArgsException", "invalid NextToken"}
	}
	out := listCertificatesOutput{CertificateSummaryList: []certificateSummary{}, NextToken: next}
	for _, c := range page {
		sans := c.SubjectAlternativeNames
		more := len(sans) > acmSANSummaries
		if more {
			sans = sans[:acmSANSummaries]
		}
		out.CertificateSummaryList = append(out.CertificateSummaryList, certificateSummary{
			CertificateArn: deref(c.CertificateArn), DomainName: deref(c.DomainName), SubjectAlternativeNameSummaries: sans,
			HasAdditionalSubjectAlternativeNames: more, Status: string(c.Status), Type: string(c.Type), KeyAlgorithm: string(c.KeyAlgorithm),
			InUse: len(c.InUseBy) > 0,
		})
	}
	return out, nil
}

func (h *Handler) describeCertificate(body []byte) (any, *acmError) {
	var in describeCertificateInput
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, &acmError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	if !strings.HasPrefix(in.CertificateArn, "arn:") {
		return nil, &acmError{http.StatusBadRequest, "InvalidArnException", fmt.Sprintf("The certificate ARN %q is not valid", in.CertificateArn)}
	}
	var c acmtypes.CertificateDetail
	var ok bool
	h.state.read(func() { c, ok = h.state.certs.get(in.CertificateArn) })
	if !ok {
		return nil, &acmError{http.StatusBadRequest, "ResourceNotFoundException", fmt.Sprintf("Could not find certificate %s.", in.CertificateArn)}
	}
	return describeCertificateOutput{Certificate: certificateDetail{
		CertificateArn: deref(c.CertificateArn), DomainName: deref(c.DomainName), SubjectAlternativeNames: c.SubjectAlternativeNames,
		Status: string(c.Status), Type: string(c.Type), KeyAlgorithm: string(c.KeyAlgorithm), InUseBy: c.InUseBy,
	}}, nil
}
