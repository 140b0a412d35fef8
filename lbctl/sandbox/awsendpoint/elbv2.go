package awsendpoint

import (
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

const (
	// elbv2MaxPageSize is the PageSize limit (and default) of ELBv2
	// describes.
	elbv2MaxPageSize = 400
	// maxTagResources is how many ResourceArns one DescribeTags accepts.
	maxTagResources = 20
)

// DefaultAccountLimits returns the ELBv2 quotas AWS documents as defaults, in
// the names DescribeAccountLimits uses; NewState starts with them.
func DefaultAccountLimits() []elbv2types.Limit {
	limits := []struct{ name, max string }{
		{"application-load-balancers", "50"},
		{"condition-values-per-alb-rule", "5"},
		{"condition-wildcards-per-alb-rule", "5"},
		{"gateway-load-balancers", "100"},
		{"gateway-load-balancers-per-vpc", "100"},
		{"geneve-target-groups", "100"},
		{"listeners-per-application-load-balancer", "50"},
		{"listeners-per-network-load-balancer", "50"},
		{"network-load-balancers", "50"},
		{"rules-per-application-load-balancer", "100"},
		{"target-groups", "3000"},
		{"target-groups-per-action-on-application-load-balancer", "5"},
		{"target-groups-per-action-on-network-load-balancer", "1"},
		{"target-groups-per-application-load-balancer", "100"},
		{"targets-per-application-load-balancer", "1000"},
		{"targets-per-availability-zone-per-network-load-balancer", "500"},
		{"targets-per-network-load-balancer", "3000"},
	}
	out := make([]elbv2types.Limit, len(limits))
	for i, l := range limits {
		out[i] = elbv2types.Limit{Name: aws.String(l.name), Max: aws.String(l.max)}
	}
	return out
}

func validationError(format string, args ...any) *apiError {
	return clientError("ValidationError", format, args...)
}

// pageSize reads PageSize (1..400, default 400).
func pageSize(p params) (int, *apiError) {
	n, ok, err := p.integer("PageSize")
	switch {
	case err != nil:
		return 0, validationError("PageSize must be an integer")
	case !ok:
		return elbv2MaxPageSize, nil
	case n < 1 || n > elbv2MaxPageSize:
		return 0, validationError("1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and %d", n, elbv2MaxPageSize)
	}
	return n, nil
}

// elbv2Page cuts one page out of entries and writes it as listName plus
// NextMarker.
func elbv2Page[T any](p params, w *xmlWriter, listName string, entries []entry[T]) *apiError {
	size, apiErr := pageSize(p)
	if apiErr != nil {
		return apiErr
	}
	page, next, ok := paginate(entries, p.str("Marker"), size)
	if !ok {
		return validationError("Invalid value for parameter Marker: %q", p.str("Marker"))
	}
	if err := w.list(listName, page); err != nil {
		return internalError(err)
	}
	w.optText("NextMarker", next)
	return nil
}

// internalError reports a bug in this package (an SDK type it cannot encode)
// as AWS reports its own: a 500 the SDK retries and then surfaces.
func internalError(err error) *apiError {
	return &apiError{status: 500, code: "InternalFailure", message: "awsendpoint: " + err.Error()}
}

// missing returns the wanted keys absent from t.
func missing[T any](t *table[T], wanted []string) []string {
	var out []string
	for _, k := range wanted {
		if !t.has(k) {
			out = append(out, k)
		}
	}
	return out
}

func quoteList(ids []string) string {
	return "'" + strings.Join(ids, "', '") + "'"
}

func (h *Handler) describeLoadBalancers(p params, w *xmlWriter) *apiError {
	arns, names := p.members("LoadBalancerArns"), p.members("Names")
	if len(arns) > 0 && len(names) > 0 {
		return validationError("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	var entries []entry[elbv2types.LoadBalancer]
	var apiErr *apiError
	h.state.read(func() {
		s := h.state
		switch {
		case len(arns) > 0:
			if m := missing(&s.lbs, arns); len(m) > 0 {
				apiErr = clientError("LoadBalancerNotFound", "Load balancers %s not found", quoteList(m))
				return
			}
			entries = s.lbs.ordered(func(k string, _ elbv2types.LoadBalancer) bool { return slices.Contains(arns, k) })
		case len(names) > 0:
			entries = s.lbs.ordered(func(_ string, lb elbv2types.LoadBalancer) bool {
				return slices.Contains(names, deref(lb.LoadBalancerName))
			})
			var m []string
			for _, n := range names {
				if !slices.ContainsFunc(entries, func(e entry[elbv2types.LoadBalancer]) bool { return deref(e.v.LoadBalancerName) == n }) {
					m = append(m, n)
				}
			}
			if len(m) > 0 {
				apiErr = clientError("LoadBalancerNotFound", "Load balancers %s not found", quoteList(m))
			}
		default:
			entries = s.lbs.ordered(nil)
		}
	})
	if apiErr != nil {
		return apiErr
	}
	return elbv2Page(p, w, "LoadBalancers", entries)
}

// A stored listener's Certificates hold its default certificate (IsDefault
// unset or true) and its listener certificates (IsDefault false), the ones
// AddListenerCertificates adds. DescribeListeners shows only the default, as
// AWS does; DescribeListenerCertificates shows them all.

// isListenerCertificate reports whether c is one of a listener's added
// certificates rather than its default.
func isListenerCertificate(c elbv2types.Certificate) bool {
	return c.IsDefault != nil && !*c.IsDefault
}

// describedListener is l as DescribeListeners shows it: without its listener
// certificates.
func describedListener(l elbv2types.Listener) elbv2types.Listener {
	if slices.ContainsFunc(l.Certificates, isListenerCertificate) {
		l.Certificates = slices.DeleteFunc(slices.Clone(l.Certificates), isListenerCertificate)
	}
	return l
}

func (h *Handler) describeListeners(p params, w *xmlWriter) *apiError {
	lbArn, arns := p.str("LoadBalancerArn"), p.members("ListenerArns")
	if lbArn == "" && len(arns) == 0 {
		return validationError("You must specify either listener ARNs or a load balancer ARN")
	}
	var entries []entry[elbv2types.Listener]
	var apiErr *apiError
	h.state.read(func() {
		s := h.state
		if lbArn != "" && !s.lbs.has(lbArn) {
			apiErr = clientError("LoadBalancerNotFound", "Load balancer '%s' not found", lbArn)
			return
		}
		if m := missing(&s.listeners, arns); len(m) > 0 {
			apiErr = clientError("ListenerNotFound", "One or more listeners not found")
			return
		}
		entries = s.listeners.ordered(func(k string, l elbv2types.Listener) bool {
			return (lbArn == "" || deref(l.LoadBalancerArn) == lbArn) && (len(arns) == 0 || slices.Contains(arns, k))
		})
	})
	if apiErr != nil {
		return apiErr
	}
	for i := range entries {
		entries[i].v = describedListener(entries[i].v)
	}
	return elbv2Page(p, w, "Listeners", entries)
}

// describeListenerCertificates lists a listener's certificates, the default
// first with IsDefault true, then its listener certificates with IsDefault
// false, paged by Marker and PageSize.
func (h *Handler) describeListenerCertificates(p params, w *xmlWriter) *apiError {
	arn := p.str("ListenerArn")
	if arn == "" {
		return validationError("1 validation error detected: Value null at 'listenerArn' failed to satisfy constraint: Member must not be null")
	}
	var l elbv2types.Listener
	var ok bool
	h.state.read(func() { l, ok = h.state.listeners.get(arn) })
	if !ok {
		return clientError("ListenerNotFound", "Listener '%s' not found", arn)
	}
	var defaults, added []elbv2types.Certificate
	for _, c := range l.Certificates {
		if isListenerCertificate(c) {
			added = append(added, elbv2types.Certificate{CertificateArn: c.CertificateArn, IsDefault: aws.Bool(false)})
		} else {
			defaults = append(defaults, elbv2types.Certificate{CertificateArn: c.CertificateArn, IsDefault: aws.Bool(true)})
		}
	}
	all := append(defaults, added...)
	entries := make([]entry[elbv2types.Certificate], len(all))
	for i, c := range all {
		entries[i] = entry[elbv2types.Certificate]{seq: uint64(i + 1), v: c}
	}
	return elbv2Page(p, w, "Certificates", entries)
}

// IssuedCertificates returns copies of the certificates ListCertificates
// lists for status ISSUED and ACM's default key type, in insertion order:
// what the controller's discovery by host picks an HTTPS listener's
// certificates from.
func (s *State) IssuedCertificates() []acmtypes.CertificateDetail {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return deepCopy(values(s.certs.ordered(func(_ string, c acmtypes.CertificateDetail) bool {
		return c.Status == acmtypes.CertificateStatusIssued && keyTypeOf(c) == string(acmtypes.KeyAlgorithmRsa2048)
	})))
}

func (h *Handler) describeRules(p params, w *xmlWriter) *apiError {
	listenerArn, arns := p.str("ListenerArn"), p.members("RuleArns")
	if listenerArn == "" && len(arns) == 0 {
		return validationError("You must specify either listener ARN or rule ARNs")
	}
	var entries []entry[ruleRecord]
	var apiErr *apiError
	h.state.read(func() {
		s := h.state
		if listenerArn != "" && !s.listeners.has(listenerArn) {
			apiErr = clientError("ListenerNotFound", "Listener '%s' not found", listenerArn)
			return
		}
		if m := missing(&s.rules, arns); len(m) > 0 {
			apiErr = clientError("RuleNotFound", "One or more rules not found")
			return
		}
		entries = s.rules.ordered(func(k string, r ruleRecord) bool {
			return (listenerArn == "" || r.listenerArn == listenerArn) && (len(arns) == 0 || slices.Contains(arns, k))
		})
	})
	if apiErr != nil {
		return apiErr
	}
	rules := make([]entry[elbv2types.Rule], len(entries))
	for i, e := range entries {
		rules[i] = entry[elbv2types.Rule]{seq: e.seq, v: e.v.rule}
	}
	return elbv2Page(p, w, "Rules", rules)
}

func (h *Handler) describeTargetGroups(p params, w *xmlWriter) *apiError {
	lbArn, arns, names := p.str("LoadBalancerArn"), p.members("TargetGroupArns"), p.members("Names")
	given := 0
	for _, b := range []bool{lbArn != "", len(arns) > 0, len(names) > 0} {
		if b {
			given++
		}
	}
	if given > 1 {
		return validationError("Only one of LoadBalancerArn, TargetGroupArns or Names can be specified")
	}
	var entries []entry[elbv2types.TargetGroup]
	var apiErr *apiError
	h.state.read(func() {
		s := h.state
		switch {
		case lbArn != "":
			if !s.lbs.has(lbArn) {
				apiErr = clientError("LoadBalancerNotFound", "Load balancer '%s' not found", lbArn)
				return
			}
			entries = s.tgs.ordered(func(_ string, tg elbv2types.TargetGroup) bool { return slices.Contains(tg.LoadBalancerArns, lbArn) })
		case len(arns) > 0:
			if m := missing(&s.tgs, arns); len(m) > 0 {
				apiErr = clientError("TargetGroupNotFound", "Target groups %s not found", quoteList(m))
				return
			}
			entries = s.tgs.ordered(func(k string, _ elbv2types.TargetGroup) bool { return slices.Contains(arns, k) })
		case len(names) > 0:
			entries = s.tgs.ordered(func(_ string, tg elbv2types.TargetGroup) bool {
				return slices.Contains(names, deref(tg.TargetGroupName))
			})
			var m []string
			for _, n := range names {
				if !slices.ContainsFunc(entries, func(e entry[elbv2types.TargetGroup]) bool { return deref(e.v.TargetGroupName) == n }) {
					m = append(m, n)
				}
			}
			if len(m) > 0 {
				apiErr = clientError("TargetGroupNotFound", "Target groups %s not found", quoteList(m))
			}
		default:
			entries = s.tgs.ordered(nil)
		}
	})
	if apiErr != nil {
		return apiErr
	}
	return elbv2Page(p, w, "TargetGroups", entries)
}

// requestedTargets reads DescribeTargetHealth's Targets.member.N.{Id,Port,AvailabilityZone}.
func requestedTargets(p params) ([]elbv2types.TargetDescription, *apiError) {
	n := p.count("Targets.member", "Id")
	out := make([]elbv2types.TargetDescription, 0, n)
	for i := 1; i <= n; i++ {
		prefix := "Targets.member." + strconv.Itoa(i) + "."
		t := elbv2types.TargetDescription{Id: aws.String(p.str(prefix + "Id"))}
		if port, ok, err := p.integer(prefix + "Port"); err != nil {
			return nil, validationError("Target port must be an integer")
		} else if ok {
			t.Port = aws.Int32(int32(port))
		}
		if az := p.str(prefix + "AvailabilityZone"); az != "" {
			t.AvailabilityZone = aws.String(az)
		}
		out = append(out, t)
	}
	return out, nil
}

func (h *Handler) describeTargetHealth(p params, w *xmlWriter) *apiError {
	tgArn := p.str("TargetGroupArn")
	if tgArn == "" {
		return validationError("A target group ARN must be specified")
	}
	targets, apiErr := requestedTargets(p)
	if apiErr != nil {
		return apiErr
	}
	var registered []elbv2types.TargetHealthDescription
	h.state.read(func() {
		if !h.state.tgs.has(tgArn) {
			apiErr = clientError("TargetGroupNotFound", "Target groups '%s' not found", tgArn)
			return
		}
		registered = h.state.health[tgArn]
	})
	if apiErr != nil {
		return apiErr
	}
	out := registered
	if len(targets) > 0 {
		out = make([]elbv2types.TargetHealthDescription, 0, len(targets))
		for _, t := range targets {
			out = append(out, healthOf(registered, t)...)
		}
	}
	if err := w.list("TargetHealthDescriptions", out); err != nil {
		return internalError(err)
	}
	return nil
}

// healthOf returns the registered descriptions matching a requested target
// (any port if none was given), or, as AWS does for a target that is not
// registered, one in state "unused" with reason Target.NotRegistered.
func healthOf(registered []elbv2types.TargetHealthDescription, t elbv2types.TargetDescription) []elbv2types.TargetHealthDescription {
	var out []elbv2types.TargetHealthDescription
	for _, d := range registered {
		if d.Target == nil || deref(d.Target.Id) != deref(t.Id) {
			continue
		}
		if t.Port != nil && (d.Target.Port == nil || *d.Target.Port != *t.Port) {
			continue
		}
		out = append(out, d)
	}
	if len(out) > 0 {
		return out
	}
	return []elbv2types.TargetHealthDescription{{
		Target: &t,
		TargetHealth: &elbv2types.TargetHealth{
			State:       elbv2types.TargetHealthStateEnumUnused,
			Reason:      elbv2types.TargetHealthReasonEnumNotRegistered,
			Description: aws.String("Target is not registered to the target group"),
		},
	}}
}

func (h *Handler) describeTags(p params, w *xmlWriter) *apiError {
	arns := p.members("ResourceArns")
	switch {
	case len(arns) == 0:
		return validationError("1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null")
	case len(arns) > maxTagResources:
		return validationError("1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxTagResources)
	}
	out := make([]elbv2types.TagDescription, 0, len(arns))
	var apiErr *apiError
	h.state.read(func() {
		s := h.state
		for _, arn := range arns {
			exists := false
			code := ""
			switch elbv2ResourceKind(arn) {
			case "loadbalancer":
				exists, code = s.lbs.has(arn), "LoadBalancerNotFound"
			case "targetgroup":
				exists, code = s.tgs.has(arn), "TargetGroupNotFound"
			case "listener":
				exists, code = s.listeners.has(arn), "ListenerNotFound"
			case "listener-rule":
				exists, code = s.rules.has(arn), "RuleNotFound"
			case "truststore":
				code = "TrustStoreNotFound"
			default:
				apiErr = validationError("'%s' is not a valid resource ARN", arn)
				return
			}
			if !exists {
				apiErr = clientError(code, "Resource '%s' not found", arn)
				return
			}
			out = append(out, elbv2types.TagDescription{ResourceArn: aws.String(arn), Tags: sortedTags(s.tags[arn])})
		}
	})
	if apiErr != nil {
		return apiErr
	}
	if err := w.list("TagDescriptions", out); err != nil {
		return internalError(err)
	}
	return nil
}

// sortedTags turns a tag map into the SDK's tag list, sorted by key.
func sortedTags(m map[string]string) []elbv2types.Tag {
	out := make([]elbv2types.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, elbv2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	slices.SortFunc(out, func(a, b elbv2types.Tag) int { return strings.Compare(*a.Key, *b.Key) })
	return out
}

func (h *Handler) describeAccountLimits(p params, w *xmlWriter) *apiError {
	var entries []entry[elbv2types.Limit]
	h.state.read(func() {
		entries = make([]entry[elbv2types.Limit], len(h.state.limits))
		for i, l := range h.state.limits {
			entries[i] = entry[elbv2types.Limit]{seq: uint64(i + 1), v: l}
		}
	})
	return elbv2Page(p, w, "Limits", entries)
}
