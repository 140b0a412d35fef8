package awsendpoint

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// eksPathPrefix starts the EKS REST-JSON paths the sandbox serves: the
// cluster's Pod Identity associations.
const eksPathPrefix = "/clusters/"

// PodIdentityAssociation is one EKS Pod Identity association: the IAM role
// the pods of a ServiceAccount get.
type PodIdentityAssociation struct {
	ID             string
	Cluster        string
	Namespace      string
	ServiceAccount string
	RoleARN        string
}

type eksState struct {
	mu    sync.Mutex
	assoc []PodIdentityAssociation
}

// PutPodIdentityAssociation records an association and returns its ID.
func (s *State) PutPodIdentityAssociation(a PodIdentityAssociation) string {
	s.eks.mu.Lock()
	defer s.eks.mu.Unlock()
	a.ID = fmt.Sprintf("a-%017d", len(s.eks.assoc)+1)
	s.eks.assoc = append(s.eks.assoc, a)
	return a.ID
}

func (a PodIdentityAssociation) arn() string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:podidentityassociation/%s/%s", "us-west-2", "123456789012", a.Cluster, a.ID)
}

// serveEKS answers ListPodIdentityAssociations (GET
// /clusters/NAME/pod-identity-associations, filtered by namespace and
// serviceAccount, paged by maxResults and nextToken) and
// DescribePodIdentityAssociation (GET …/pod-identity-associations/ID).
func (h *Handler) serveEKS(w http.ResponseWriter, r *http.Request, requestID string) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, eksPathPrefix), "/")
	action := "eks:" + r.Method + " " + r.URL.Path
	switch {
	case len(parts) == 2 && parts[1] == "pod-identity-associations":
		action = "ListPodIdentityAssociations"
	case len(parts) == 3 && parts[1] == "pod-identity-associations":
		action = "DescribePodIdentityAssociation"
	}
	h.count(action)
	if !h.allowAnonymous && r.Header.Get("Authorization") == "" {
		writeEKSError(w, http.StatusForbidden, "AccessDeniedException", "Request is missing Authentication Token", requestID)
		return
	}
	if r.Method != http.MethodGet || !strings.HasPrefix(action, "ListPod") && !strings.HasPrefix(action, "DescribePod") {
		writeEKSError(w, http.StatusNotFound, "ResourceNotFoundException", r.Method+" "+r.URL.Path+" is not served by the sandbox", requestID)
		return
	}
	fault, kind := h.faults.roll(action)
	if !sleep(r.Context(), fault.Latency) {
		return
	}
	switch kind {
	case faultThrottle:
		writeEKSError(w, http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded", requestID)
		return
	case faultServerError:
		writeEKSError(w, http.StatusInternalServerError, "ServerException", "An internal error has occurred.", requestID)
		return
	case faultDenied:
		writeEKSError(w, http.StatusForbidden, "AccessDeniedException", "User is not authorized to perform: eks:"+action, requestID)
		return
	}
	st := &h.state.eks
	st.mu.Lock()
	assoc := append([]PodIdentityAssociation(nil), st.assoc...)
	st.mu.Unlock()
	cluster := parts[0]
	summary := func(a PodIdentityAssociation) map[string]any {
		return map[string]any{"associationArn": a.arn(), "associationId": a.ID, "clusterName": a.Cluster, "namespace": a.Namespace, "serviceAccount": a.ServiceAccount}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", requestID)
	if action == "DescribePodIdentityAssociation" {
		for _, a := range assoc {
			if a.Cluster == cluster && a.ID == parts[2] {
				d := summary(a)
				d["roleArn"] = a.RoleARN
				_ = json.NewEncoder(w).Encode(map[string]any{"association": d})
				return
			}
		}
		writeEKSError(w, http.StatusNotFound, "ResourceNotFoundException", "No Pod Identity association "+parts[2]+" in cluster "+cluster, requestID)
		return
	}
	q := r.URL.Query()
	var match []PodIdentityAssociation
	for _, a := range assoc {
		if a.Cluster == cluster && (q.Get("namespace") == "" || q.Get("namespace") == a.Namespace) && (q.Get("serviceAccount") == "" || q.Get("serviceAccount") == a.ServiceAccount) {
			match = append(match, a)
		}
	}
	sort.Slice(match, func(i, j int) bool { return match[i].ID < match[j].ID })
	start, _ := strconv.Atoi(q.Get("nextToken"))
	size := 100
	if v, err := strconv.Atoi(q.Get("maxResults")); err == nil && v > 0 {
		size = v
	}
	start = min(start, len(match))
	end := min(start+size, len(match))
	out := map[string]any{"associations": []map[string]any{}}
	list := []map[string]any{}
	for _, a := range match[start:end] {
		list = append(list, summary(a))
	}
	out["associations"] = list
	if end < len(match) {
		out["nextToken"] = strconv.Itoa(end)
	}
	_ = json.NewEncoder(w).Encode(out)
}

func writeEKSError(w http.ResponseWriter, status int, code, message, requestID string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}
