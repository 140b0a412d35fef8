package apply

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"sort"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/migrate/plan"
)

// checkInputs refuses a plan made for another cluster, or from objects that
// have changed since.
func (e *Executor) checkInputs(ctx context.Context) error {
	p := e.o.Plan
	if p.Cluster != "" && e.o.Cluster == "" {
		c, err := e.clusterOfALBs(ctx)
		if err != nil {
			return err
		}
		e.o.Cluster = c
	}
	if p.Cluster != "" && e.o.Cluster != "" && p.Cluster != e.o.Cluster {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("the plan was made for cluster %q, the current context is cluster %q", p.Cluster, e.o.Cluster),
			"switch context (--context) or make the plan against this cluster", nil)
	}
	var changed []string
	for _, in := range p.Inputs {
		var obj runtime.Object
		var err error
		switch in.Kind {
		case "Ingress":
			obj, err = e.o.Kube.NetworkingV1().Ingresses(in.Namespace).Get(ctx, in.Name, metav1.GetOptions{})
		case "Service":
			obj, err = e.o.Kube.CoreV1().Services(in.Namespace).Get(ctx, in.Name, metav1.GetOptions{})
		case "Namespace":
			obj, err = e.o.Kube.CoreV1().Namespaces().Get(ctx, in.Name, metav1.GetOptions{})
		default:
			continue
		}
		switch {
		case apierrors.IsNotFound(err):
			changed = append(changed, in.String()+" was deleted")
		case err != nil:
			return fmt.Errorf("read %s: %w", in.ObjectRef, err)
		case plan.Digest(obj) != in.Digest:
			changed = append(changed, in.String()+" changed")
		}
	}
	if len(changed) > 0 {
		sort.Strings(changed)
		more := ""
		if len(changed) > 5 {
			more = fmt.Sprintf(" and %d more", len(changed)-5)
			changed = changed[:5]
		}
		return exitcode.New(exitcode.Usage, "the plan is outdated: "+strings.Join(changed, ", ")+more+" since it was made",
			"make the plan again ("+buildinfo.Command()+" plan --out-dir …) and review it", nil)
	}
	return nil
}

// access is one permission the migration needs.
type access struct {
	verb      string
	group     string
	resource  string
	namespace string
}

// needs lists the permissions of every write and read of the plan, and the
// journal's.
func (e *Executor) needs() ([]access, error) {
	set := map[access]bool{}
	add := func(verbs []string, gr schema.GroupResource, ns string) {
		for _, v := range verbs {
			set[access{v, gr.Group, gr.Resource, ns}] = true
		}
	}
	resourceOf := func(r Ref) (schema.GroupResource, bool, error) {
		gvr, ok := writable[r.Kind]
		if !ok {
			return schema.GroupResource{}, false, unsupported(r)
		}
		return gvr.GroupResource(), r.Kind != "Namespace", nil
	}
	for _, s := range e.steps {
		switch s.step.Op {
		case plan.OpApply, plan.OpDelete:
			objs, err := e.objects(s.step.Manifest)
			if err != nil {
				return nil, err
			}
			for _, u := range objs {
				gr, namespaced, err := resourceOf(refOf(u))
				if err != nil {
					return nil, err
				}
				ns := ""
				if namespaced {
					ns = u.GetNamespace()
				}
				verbs := []string{"get", "patch"}
				if s.step.Op == plan.OpDelete {
					verbs = []string{"get", "delete"}
				}
				if e.o.Observe {
					verbs = []string{"get"}
				}
				add(verbs, gr, ns)
			}
		case plan.OpRestart:
			verbs := []string{"get", "patch"}
			if e.o.Observe {
				verbs = []string{"get"}
			}
			for _, o := range s.step.Objects {
				add(verbs, schema.GroupResource{Group: "apps", Resource: "deployments"}, o.Namespace)
			}
		}
	}
	add([]string{"get", "create", "update"}, schema.GroupResource{Resource: "configmaps"}, e.o.JournalNamespace)
	add([]string{"get", "create", "update", "delete"}, schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}, e.o.JournalNamespace)
	out := make([]access, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.namespace+a.group+a.resource+a.verb < b.namespace+b.group+b.resource+b.verb
	})
	return out, nil
}

// checkAccess asks the API server, before any write, whether every write
// the plan makes is allowed (SelfSubjectAccessReview).
func (e *Executor) checkAccess(ctx context.Context) error {
	needs, err := e.needs()
	if err != nil {
		return err
	}
	var denied []string
	for _, a := range needs {
		r, err := e.o.Kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: a.verb, Group: a.group, Resource: a.resource, Namespace: a.namespace}},
		}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("SelfSubjectAccessReview: %w", err)
		}
		if !r.Status.Allowed {
			res := a.resource
			if a.group != "" {
				res += "." + a.group
			}
			where := " (cluster-wide)"
			if a.namespace != "" {
				where = " in " + a.namespace
			}
			denied = append(denied, a.verb+" "+res+where)
		}
	}
	if len(denied) > 0 {
		return exitcode.New(exitcode.Unreachable, "not allowed to "+strings.Join(denied, ", "),
			"grant the Role printed by "+buildinfo.Command()+" rbac --for migrate, then run again (nothing was changed)", fmt.Errorf("%w: RBAC", exitcode.ErrUnreachable))
	}
	return nil
}

// clusterOfALBs finds the cluster the plan's old load balancers belong to,
// by their elbv2.k8s.aws/cluster tag, when neither flags nor kubeconfig
// name it; "" when the plan deletes no load balancer.
func (e *Executor) clusterOfALBs(ctx context.Context) (string, error) {
	for _, r := range e.o.Plan.Replacements {
		if r.Action != plan.Delete || r.Kind != "LoadBalancer" {
			continue
		}
		out, err := e.o.ELB.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{r.Name}})
		if awsCode(err) == "LoadBalancerNotFound" || (err == nil && len(out.LoadBalancers) == 0) {
			return "", exitcode.New(exitcode.Usage, fmt.Sprintf("ALB %s, which the plan moves Ingresses away from, does not exist in this account and region", r.Name),
				"check --context, --region and --profile, or make the plan again", nil)
		}
		if err != nil {
			return "", fmt.Errorf("DescribeLoadBalancers %s: %w", r.Name, err)
		}
		tags, err := e.o.ELB.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{aws.ToString(out.LoadBalancers[0].LoadBalancerArn)}})
		if err != nil {
			return "", fmt.Errorf("DescribeTags %s: %w", r.Name, err)
		}
		for _, d := range tags.TagDescriptions {
			for _, t := range d.Tags {
				if aws.ToString(t.Key) == lbc.TagCluster {
					return aws.ToString(t.Value), nil
				}
			}
		}
		return "", nil
	}
	return "", nil
}
