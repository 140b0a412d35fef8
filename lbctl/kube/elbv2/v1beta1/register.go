package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of the controller's resources.
const GroupName = "elbv2.k8s.aws"

// SchemeGroupVersion is the group and version of the types in this package.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1beta1"}

// Resources as the dynamic client addresses them.
var (
	TargetGroupBindingsResource = SchemeGroupVersion.WithResource("targetgroupbindings")
	IngressClassParamsResource  = SchemeGroupVersion.WithResource("ingressclassparams")
)

// AddToScheme registers the types with a runtime.Scheme.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(SchemeGroupVersion,
		&TargetGroupBinding{}, &TargetGroupBindingList{},
		&IngressClassParams{}, &IngressClassParamsList{},
	)
	metav1.AddToGroupVersion(s, SchemeGroupVersion)
	return nil
}
