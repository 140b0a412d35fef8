package plan

import (
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// APIVersion and Kind of the JSON/YAML plan (docs/plan.md).
const (
	APIVersion = "lbctl.dev/v1alpha1"
	Kind       = "MigrationPlan"
)

// Plan is what `plan -o json` prints and `--out-dir` writes as plan.json.
type Plan struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Cluster is the controller's cluster name the names are predicted with.
	Cluster string `json:"cluster,omitempty"`
	// Namespace is where the objects the manifests write without
	// metadata.namespace belong: the input named none for them (it took -n,
	// the context's namespace or default), and the manifests keep it so,
	// to fit the repository. migrate apply puts them there; kubectl apply
	// needs -n for them. Empty when every object names its namespace.
	Namespace string   `json:"namespace,omitempty"`
	Settings  Settings `json:"settings"`
	// Groups are the shared groups the moved Ingresses land in.
	Groups []Group `json:"groups"`
	// Phases run in order; each step has its wait condition and undo.
	Phases []Phase `json:"phases"`
	// Inputs are the objects the phases change, fingerprinted, so a plan
	// whose cluster has moved on since is refused.
	Inputs []Input `json:"inputs"`
	// Replacements are what the controller creates and deletes in AWS.
	Replacements []Replacement `json:"replacements"`
	// Findings have the scan's shape; an error blocks part of the plan.
	Findings  []scan.Finding `json:"findings"`
	Estimates Estimates      `json:"estimates"`

	files    []File
	render   func() []File
	overlays func(input []string) ([]File, error)
}

// Settings echo the options the plan was made with, so a reviewer sees them.
type Settings struct {
	GroupBy string   `json:"groupBy"`
	Regroup bool     `json:"regroup"`
	DNS     string   `json:"dns"`
	Steps   []int    `json:"steps"`
	Soak    string   `json:"soak"`
	Suffix  string   `json:"suffix"`
	Limits  LimitSet `json:"limits"`
}

// LimitSet are the per-ALB quotas the groups were packed under.
type LimitSet struct {
	RulesPerALB           int `json:"rulesPerALB"`
	TargetGroupsPerALB    int `json:"targetGroupsPerALB"`
	CertificatesPerALB    int `json:"certificatesPerALB"`
	TargetsPerALB         int `json:"targetsPerALB"`
	TargetsPerTargetGroup int `json:"targetsPerTargetGroup"`
	ListenersPerALB       int `json:"listenersPerALB"`
	TargetGroupsPerAction int `json:"targetGroupsPerAction"`
	ALBsPerRegion         int `json:"albsPerRegion"`
}

// Group modes.
const (
	// ModeNewALB: the members' ip-mode copies form a group of their own, a
	// new ALB with a new DNS name; traffic moves by DNS weights.
	ModeNewALB = "new-alb"
	// ModeInPlace: the copies join the members' existing explicit group, on
	// the same ALB; traffic moves by weighted forward actions.
	ModeInPlace = "in-place"
)

// Group is one IngressGroup (one ALB) after the migration.
type Group struct {
	// Name is the group.name, or "namespace/name" of an implicit group.
	Name          string `json:"name"`
	Scheme        string `json:"scheme"`
	IPAddressType string `json:"ipAddressType"`
	Mode          string `json:"mode"`
	// LoadBalancer is the ALB name the controller will use (lbc naming).
	LoadBalancer string   `json:"loadBalancer"`
	Members      []Member `json:"members"`
	// Rules, TargetGroups, Certificates (besides the default), Targets and
	// Listeners are the quota use of the ALB once migrated (for an in-place
	// group: during the migration, when old and new sit side by side).
	Rules        int `json:"rules"`
	TargetGroups int `json:"targetGroups"`
	Certificates int `json:"certificates"`
	Targets      int `json:"targets"`
	Listeners    int `json:"listeners"`
	// Why says how the group was formed.
	Why string `json:"why"`
	// Split says why the members were split over several ALBs (NAME-1, NAME-2…).
	Split string `json:"split,omitempty"`
}

// Member is one Ingress of a planned group.
type Member struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Ingress is the parallel ip-mode Ingress created for it; empty for a
	// member that stays as it is.
	Ingress string `json:"ingress,omitempty"`
	// Order is the group.order of the new Ingress (of the member itself when
	// it stays).
	Order int32 `json:"order"`
	// From is the group the member leaves ("ns/name" for its own ALB).
	From string `json:"from,omitempty"`
}

// Phase is one stage of the migration.
type Phase struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Steps       []Step `json:"steps"`
}

// Step is one action with what it touches, what to wait for before going on,
// and how to undo it.
type Step struct {
	// Op is what migrate apply does for the step (one of the Op constants).
	Op      string               `json:"op"`
	Action  string               `json:"action"`
	Objects []topology.ObjectRef `json:"objects"`
	WaitFor string               `json:"waitFor,omitempty"`
	Undo    string               `json:"undo,omitempty"`
	// Manifest is the file under --out-dir the step applies (or deletes).
	Manifest string `json:"manifest,omitempty"`
	// Check is a preflight check's result.
	Check *Check `json:"check,omitempty"`
	// Weight is the percentage of requests on the new targets once a shift
	// step is applied.
	Weight int `json:"weight,omitempty"`
}

// Step operations, what migrate apply does for each.
const (
	// OpCheck is a preflight check: a failed one stops the migration.
	OpCheck = "check"
	// OpApply server-side applies the step's manifest.
	OpApply = "apply"
	// OpDelete deletes the objects of the step's manifest.
	OpDelete = "delete"
	// OpRestart restarts the step's workloads and waits for the rollout and
	// the new pods' readiness gates.
	OpRestart = "restart"
	// OpWaitHealthy waits until the step's target groups have only healthy
	// targets.
	OpWaitHealthy = "wait-healthy"
	// OpManual is a change lbctl cannot make (DNS records it does not own);
	// migrate stops before it.
	OpManual = "manual"
	// OpVerifyGone waits until the step's load balancers and target groups
	// are deleted.
	OpVerifyGone = "verify-gone"
	// OpVerifyMoved checks that the step's Ingresses are in ip mode on their
	// planned group's load balancer.
	OpVerifyMoved = "verify-moved"
)

// Input fingerprints one object the plan changes, as it was planned from.
type Input struct {
	topology.ObjectRef
	// Digest is Digest of the object's planned-on fields.
	Digest string `json:"digest"`
}

// Preflight check statuses.
const (
	CheckPass       = "pass"
	CheckWarn       = "warn"
	CheckFail       = "fail"
	CheckNotChecked = "not-checked"
)

// Check is the result of one preflight check.
type Check struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
	// Needs says what data would let lbctl check it (status not-checked).
	Needs string `json:"needs,omitempty"`
}

// Replacement actions.
const (
	Create = "create"
	Delete = "delete"
)

// Replacement is one AWS or Kubernetes object the controller creates or
// deletes because of the plan.
type Replacement struct {
	Phase     string `json:"phase"`
	Action    string `json:"action"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Group     string `json:"group"`
	// DNSName is the live DNS name of an ALB that goes away.
	DNSName string `json:"dnsName,omitempty"`
	Because string `json:"because"`
	// For is the Ingress whose change causes it.
	For topology.ObjectRef `json:"for"`
}

// Estimates are rough figures, labelled as such in every output.
type Estimates struct {
	ALBsBefore int `json:"albsBefore"`
	ALBsAfter  int `json:"albsAfter"`
	// ALBsDuring is the most ALBs alive at once (old and new side by side).
	ALBsDuring     int      `json:"albsDuring"`
	PricePerHour   float64  `json:"pricePerHour"`
	HoursPerMonth  int      `json:"hoursPerMonth"`
	MonthlyBefore  float64  `json:"monthlyCostBefore"`
	MonthlyAfter   float64  `json:"monthlyCostAfter"`
	MonthlySavings float64  `json:"monthlySavings"`
	IngressesMoved int      `json:"ingressesMoved"`
	BackendsToIP   int      `json:"backendsToIP"`
	HopsRemoved    int      `json:"hopsRemovedPerRequest"`
	CrossZoneShare float64  `json:"crossZoneShare,omitempty"`
	Notes          []string `json:"notes"`
}

// File is one rendered manifest (or plan.json) under --out-dir.
type File struct {
	Path string
	Data []byte
}
