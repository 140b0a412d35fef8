package awsendpoint

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	route53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// NotFoundError reports that a State mutation referred to an object that is
// not in the store; it exists so the controller emulator can tell a missing
// parent (errors.As) from a malformed object.
type NotFoundError struct {
	// Kind is the kind of object, e.g. "load balancer".
	Kind string
	// ID is the ARN or ID that was looked up.
	ID string
}

// Error implements error.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found", e.Kind, e.ID)
}

// entry is one stored object with its insertion sequence number, which fixes
// its position in every describe and is what pagination markers point at.
type entry[T any] struct {
	seq uint64
	v   T
}

// table is an insertion-ordered map of immutable values: a value is never
// changed in place, only replaced, so readers may keep a shallow copy after
// releasing the State lock.
type table[T any] struct {
	m map[string]entry[T]
}

func newTable[T any]() table[T] {
	return table[T]{m: make(map[string]entry[T])}
}

// put stores v under key, keeping the key's position if it already exists.
func (t *table[T]) put(key string, v T, next func() uint64) {
	e, ok := t.m[key]
	if !ok {
		e.seq = next()
	}
	e.v = v
	t.m[key] = e
}

func (t *table[T]) get(key string) (T, bool) {
	e, ok := t.m[key]
	return e.v, ok
}

func (t *table[T]) has(key string) bool {
	_, ok := t.m[key]
	return ok
}

func (t *table[T]) del(key string) bool {
	_, ok := t.m[key]
	delete(t.m, key)
	return ok
}

// ordered returns the entries accepted by keep (nil keeps all) in insertion
// order.
func (t *table[T]) ordered(keep func(key string, v T) bool) []entry[T] {
	out := make([]entry[T], 0, len(t.m))
	for k, e := range t.m {
		if keep == nil || keep(k, e.v) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// values returns the values of entries.
func values[T any](entries []entry[T]) []T {
	out := make([]T, len(entries))
	for i, e := range entries {
		out[i] = e.v
	}
	return out
}

// ruleRecord is a stored rule with the listener it belongs to, which the SDK's
// Rule type does not carry.
type ruleRecord struct {
	listenerArn string
	rule        elbv2types.Rule
}

// State is the in-memory AWS account the server describes. It exists so tests
// and the sandbox's controller emulator can create, change and delete objects
// while the server is serving; all methods are safe for concurrent use. Every
// value passed in or handed out is deep-copied, so callers may keep mutating
// their own copies.
type State struct {
	mu        sync.RWMutex
	seq       uint64
	lbs       table[elbv2types.LoadBalancer]
	listeners table[elbv2types.Listener]
	rules     table[ruleRecord]
	tgs       table[elbv2types.TargetGroup]
	health    map[string][]elbv2types.TargetHealthDescription
	tags      map[string]map[string]string
	limits    []elbv2types.Limit
	subnets   table[ec2types.Subnet]
	sgs       table[ec2types.SecurityGroup]
	instances table[ec2types.Instance]
	enis      table[ec2types.NetworkInterface]
	certs     table[acmtypes.CertificateDetail]
	zones     table[route53types.HostedZone]
	iam       iamState
	eks       eksState
}

// NewState returns an empty account whose ELBv2 limits are
// DefaultAccountLimits.
func NewState() *State {
	return &State{
		lbs:       newTable[elbv2types.LoadBalancer](),
		listeners: newTable[elbv2types.Listener](),
		rules:     newTable[ruleRecord](),
		tgs:       newTable[elbv2types.TargetGroup](),
		health:    make(map[string][]elbv2types.TargetHealthDescription),
		tags:      make(map[string]map[string]string),
		limits:    DefaultAccountLimits(),
		subnets:   newTable[ec2types.Subnet](),
		sgs:       newTable[ec2types.SecurityGroup](),
		instances: newTable[ec2types.Instance](),
		enis:      newTable[ec2types.NetworkInterface](),
		certs:     newTable[acmtypes.CertificateDetail](),
		zones:     newTable[route53types.HostedZone](),
		iam:       newIAMState(),
	}
}

func (s *State) next() uint64 {
	s.seq++
	return s.seq
}

// read runs fn under the read lock; handlers use it to build a response from
// a consistent view.
func (s *State) read(fn func()) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn()
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// PutLoadBalancer creates lb, or replaces the load balancer with the same
// LoadBalancerArn in place.
func (s *State) PutLoadBalancer(lb elbv2types.LoadBalancer) error {
	arn := deref(lb.LoadBalancerArn)
	if arn == "" {
		return errors.New("put load balancer: LoadBalancerArn is empty")
	}
	lb = deepCopy(lb)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lbs.put(arn, lb, s.next)
	return nil
}

// DeleteLoadBalancer removes a load balancer with its listeners, their rules
// and the tags of all of them, and detaches it from its target groups, as
// AWS does. It reports whether the load balancer existed.
func (s *State) DeleteLoadBalancer(arn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.lbs.del(arn) {
		return false
	}
	delete(s.tags, arn)
	for _, l := range s.listeners.ordered(func(_ string, l elbv2types.Listener) bool { return deref(l.LoadBalancerArn) == arn }) {
		s.deleteListenerLocked(deref(l.v.ListenerArn))
	}
	for _, e := range s.tgs.ordered(func(_ string, tg elbv2types.TargetGroup) bool {
		return slices.Contains(tg.LoadBalancerArns, arn)
	}) {
		tg := e.v // shallow copy; the slice is replaced, not edited
		tg.LoadBalancerArns = slices.DeleteFunc(slices.Clone(tg.LoadBalancerArns), func(a string) bool { return a == arn })
		s.tgs.put(deref(tg.TargetGroupArn), tg, s.next)
	}
	return true
}

// PutListener creates or replaces a listener; its LoadBalancerArn must name a
// stored load balancer.
func (s *State) PutListener(l elbv2types.Listener) error {
	arn := deref(l.ListenerArn)
	if arn == "" {
		return errors.New("put listener: ListenerArn is empty")
	}
	l = deepCopy(l)
	s.mu.Lock()
	defer s.mu.Unlock()
	if lb := deref(l.LoadBalancerArn); !s.lbs.has(lb) {
		return fmt.Errorf("put listener %s: %w", arn, &NotFoundError{Kind: "load balancer", ID: lb})
	}
	s.listeners.put(arn, l, s.next)
	return nil
}

// DeleteListener removes a listener with its rules and their tags. It reports
// whether the listener existed.
func (s *State) DeleteListener(arn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteListenerLocked(arn)
}

func (s *State) deleteListenerLocked(arn string) bool {
	if !s.listeners.del(arn) {
		return false
	}
	delete(s.tags, arn)
	for _, r := range s.rules.ordered(func(_ string, r ruleRecord) bool { return r.listenerArn == arn }) {
		ruleArn := deref(r.v.rule.RuleArn)
		s.rules.del(ruleArn)
		delete(s.tags, ruleArn)
	}
	return true
}

// PutRule creates or replaces a rule of the stored listener listenerArn. The
// SDK's Rule does not name its listener, hence the separate argument.
func (s *State) PutRule(listenerArn string, r elbv2types.Rule) error {
	arn := deref(r.RuleArn)
	if arn == "" {
		return errors.New("put rule: RuleArn is empty")
	}
	r = deepCopy(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.listeners.has(listenerArn) {
		return fmt.Errorf("put rule %s: %w", arn, &NotFoundError{Kind: "listener", ID: listenerArn})
	}
	s.rules.put(arn, ruleRecord{listenerArn: listenerArn, rule: r}, s.next)
	return nil
}

// DeleteRule removes a rule and its tags. It reports whether the rule
// existed.
func (s *State) DeleteRule(arn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tags, arn)
	return s.rules.del(arn)
}

// PutTargetGroup creates or replaces a target group. If loadBalancerArns is
// given it replaces tg.LoadBalancerArns (the load balancers whose listeners
// or rules forward to it); either way every one must name a stored load
// balancer.
func (s *State) PutTargetGroup(tg elbv2types.TargetGroup, loadBalancerArns ...string) error {
	arn := deref(tg.TargetGroupArn)
	if arn == "" {
		return errors.New("put target group: TargetGroupArn is empty")
	}
	tg = deepCopy(tg)
	if len(loadBalancerArns) > 0 {
		tg.LoadBalancerArns = slices.Clone(loadBalancerArns)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, lb := range tg.LoadBalancerArns {
		if !s.lbs.has(lb) {
			return fmt.Errorf("put target group %s: %w", arn, &NotFoundError{Kind: "load balancer", ID: lb})
		}
	}
	s.tgs.put(arn, tg, s.next)
	return nil
}

// DeleteTargetGroup removes a target group with its target health and tags.
// It reports whether the target group existed. Like State in general it does
// not police references: rules forwarding to it are the caller's business.
func (s *State) DeleteTargetGroup(arn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.health, arn)
	delete(s.tags, arn)
	return s.tgs.del(arn)
}

// SetTargetHealth replaces the registered targets of a stored target group
// and their health, as DescribeTargetHealth reports them.
func (s *State) SetTargetHealth(targetGroupArn string, targets []elbv2types.TargetHealthDescription) error {
	targets = deepCopy(targets)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tgs.has(targetGroupArn) {
		return fmt.Errorf("set target health: %w", &NotFoundError{Kind: "target group", ID: targetGroupArn})
	}
	if targets == nil {
		targets = []elbv2types.TargetHealthDescription{}
	}
	s.health[targetGroupArn] = targets
	return nil
}

// SetTags replaces the tags of a stored ELBv2 resource (load balancer,
// listener, rule or target group); the SDK's ELBv2 model types carry no tags,
// so they live beside them. EC2 objects carry their own Tags field instead.
func (s *State) SetTags(arn string, tags map[string]string) error {
	tags = maps.Clone(tags)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.elbv2ResourceExists(arn) {
		return fmt.Errorf("set tags: %w", &NotFoundError{Kind: "resource", ID: arn})
	}
	if len(tags) == 0 {
		delete(s.tags, arn)
		return nil
	}
	s.tags[arn] = tags
	return nil
}

func (s *State) elbv2ResourceExists(arn string) bool {
	return s.lbs.has(arn) || s.listeners.has(arn) || s.rules.has(arn) || s.tgs.has(arn)
}

// SetAccountLimits replaces what DescribeAccountLimits returns.
func (s *State) SetAccountLimits(limits []elbv2types.Limit) {
	limits = deepCopy(limits)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = limits
}

// PutSubnet creates or replaces the subnet with the same SubnetId.
func (s *State) PutSubnet(sn ec2types.Subnet) error {
	id := deref(sn.SubnetId)
	if id == "" {
		return errors.New("put subnet: SubnetId is empty")
	}
	sn = deepCopy(sn)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subnets.put(id, sn, s.next)
	return nil
}

// DeleteSubnet removes a subnet and reports whether it existed.
func (s *State) DeleteSubnet(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subnets.del(id)
}

// PutSecurityGroup creates or replaces the security group with the same
// GroupId.
func (s *State) PutSecurityGroup(sg ec2types.SecurityGroup) error {
	id := deref(sg.GroupId)
	if id == "" {
		return errors.New("put security group: GroupId is empty")
	}
	sg = deepCopy(sg)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sgs.put(id, sg, s.next)
	return nil
}

// SecurityGroupByID returns a copy of a stored security group, for
// read-modify-write updates (retagging it, say).
func (s *State) SecurityGroupByID(id string) (ec2types.SecurityGroup, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.sgs.get(id)
	return deepCopy(g), ok
}

// DeleteSecurityGroup removes a security group and reports whether it
// existed.
func (s *State) DeleteSecurityGroup(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sgs.del(id)
}

// LoadBalancer returns a copy of a stored load balancer, for the emulator's
// read-modify-write updates.
func (s *State) LoadBalancer(arn string) (elbv2types.LoadBalancer, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	lb, ok := s.lbs.get(arn)
	return deepCopy(lb), ok
}

// Listener returns a copy of a stored listener.
func (s *State) Listener(arn string) (elbv2types.Listener, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l, ok := s.listeners.get(arn)
	return deepCopy(l), ok
}

// Rule returns a copy of a stored rule and the ARN of its listener.
func (s *State) Rule(arn string) (rule elbv2types.Rule, listenerArn string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.rules.get(arn)
	return deepCopy(r.rule), r.listenerArn, ok
}

// TargetGroup returns a copy of a stored target group.
func (s *State) TargetGroup(arn string) (elbv2types.TargetGroup, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	tg, ok := s.tgs.get(arn)
	return deepCopy(tg), ok
}

// Snapshot is a deep copy of everything in a State, in describe order, for
// tests to assert on.
type Snapshot struct {
	// LoadBalancers in insertion order.
	LoadBalancers []elbv2types.LoadBalancer
	// Listeners in insertion order.
	Listeners []elbv2types.Listener
	// Rules by listener ARN, each in insertion order.
	Rules map[string][]elbv2types.Rule
	// TargetGroups in insertion order.
	TargetGroups []elbv2types.TargetGroup
	// TargetHealth by target group ARN.
	TargetHealth map[string][]elbv2types.TargetHealthDescription
	// Tags by ELBv2 resource ARN.
	Tags map[string]map[string]string
	// AccountLimits as DescribeAccountLimits returns them.
	AccountLimits []elbv2types.Limit
	// Subnets in insertion order.
	Subnets []ec2types.Subnet
	// SecurityGroups in insertion order.
	SecurityGroups []ec2types.SecurityGroup
}

// Snapshot returns a consistent deep copy of the whole store.
func (s *State) Snapshot() Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rules := make(map[string][]elbv2types.Rule)
	for _, e := range s.rules.ordered(nil) {
		rules[e.v.listenerArn] = append(rules[e.v.listenerArn], e.v.rule)
	}
	return deepCopy(Snapshot{
		LoadBalancers:  values(s.lbs.ordered(nil)),
		Listeners:      values(s.listeners.ordered(nil)),
		Rules:          rules,
		TargetGroups:   values(s.tgs.ordered(nil)),
		TargetHealth:   s.health,
		Tags:           s.tags,
		AccountLimits:  s.limits,
		Subnets:        values(s.subnets.ordered(nil)),
		SecurityGroups: values(s.sgs.ordered(nil)),
	})
}
