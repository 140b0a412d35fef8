package world

import "strings"

// EnvClusterName is the environment variable that names the controller's
// cluster when no flag does (the sandbox's env file sets it).
const EnvClusterName = "LBCTL_CLUSTER_NAME"

// Source says where a cluster name came from.
type Source string

// Where ClusterName found the name, in the order it looks.
const (
	FromFlag       Source = "flag"
	FromEnv        Source = "env"
	FromKubeconfig Source = "kubeconfig"
	// FromNowhere: no source named it; Join takes the ALBs' tags.
	FromNowhere Source = ""
)

// ClusterName is the one order lbctl takes the controller's cluster name
// in: the --cluster-name flag, then LBCTL_CLUSTER_NAME, then the EKS cluster
// ARN the kubeconfig's context points at (as `aws eks update-kubeconfig`
// writes it: arn:aws:eks:REGION:ACCOUNT:cluster/NAME), whose region is
// returned too; "" leaves it to the ALBs' tags (Join). contextCluster is the
// context's cluster entry, "" when manifests are read (they may be meant for
// any cluster).
func ClusterName(flag, env, contextCluster string) (name, region string, from Source) {
	switch {
	case flag != "":
		return flag, "", FromFlag
	case env != "":
		return env, "", FromEnv
	}
	if name, region, ok := EKSClusterARN(contextCluster); ok {
		return name, region, FromKubeconfig
	}
	return "", "", FromNowhere
}

// EKSClusterARN splits an EKS cluster ARN (arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME)
// into the cluster's name and region.
func EKSClusterARN(arn string) (name, region string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "eks" {
		return "", "", false
	}
	name, ok = strings.CutPrefix(parts[5], "cluster/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", "", false
	}
	return name, parts[3], true
}
