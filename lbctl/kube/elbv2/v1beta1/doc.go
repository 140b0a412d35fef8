// Package v1beta1 holds the Go types of the AWS Load Balancer Controller's
// elbv2.k8s.aws/v1beta1 custom resources that lbctl reads and writes:
// TargetGroupBinding (how a target group is tied to a Service port) and
// IngressClassParams (cluster-wide settings that override Ingress annotations).
//
// +kubebuilder:object:generate=true
// +groupName=elbv2.k8s.aws
package v1beta1
