// Command scanenv starts a real kube-apiserver + etcd (lbctl/kube/localapi)
// and fills it with a large, realistic, deterministic estate for benchmarking
// `kubectl lbctl scan` against `kubectl get`: namespaces, nodes in three
// zones, the alb (and an nginx) IngressClass, Services (NodePort and
// ClusterIP), pods with statuses (IPs, Ready conditions, container statuses),
// one EndpointSlice per Service and Ingresses in instance and ip mode, some in
// explicit groups. It writes the kubeconfig to -kubeconfig, prints `ready` on
// stdout, and serves until SIGINT or SIGTERM.
//
//	go run ./hack/bench/scanenv -kubeconfig /tmp/bench.kubeconfig
//
// There is no scheduler, kubelet or controller-manager: what they would write
// (spec.nodeName, pod and node statuses, EndpointSlices, Ingress statuses) is
// written here. The server's ranges are envtest's: ClusterIPs come from an
// extra ServiceCIDR this program adds (the default range is a /24), and at most
// -max-nodeports Services are NodePort (the default range holds 2,768 ports).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/lbctl/lbctl/lbctl/kube/localapi"
	"github.com/lbctl/lbctl/lbctl/lbc"
)

type options struct {
	kubeconfig   string
	namespaces   int
	ingresses    int
	services     int
	pods         int
	nodes        int
	workers      int
	maxNodePorts int
	seed         uint64
}

func main() {
	var o options
	// A FlagSet of its own: controller-runtime registers -kubeconfig on the global one.
	fs := flag.NewFlagSet("scanenv", flag.ExitOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "write the kubeconfig here (required)")
	fs.IntVar(&o.namespaces, "namespaces", 200, "namespaces the objects spread over")
	fs.IntVar(&o.ingresses, "ingresses", 2000, "Ingresses")
	fs.IntVar(&o.services, "services", 5000, "Services (one EndpointSlice each)")
	fs.IntVar(&o.pods, "pods", 20000, "pods, spread evenly over the Services")
	fs.IntVar(&o.nodes, "nodes", 30, "nodes, spread over 3 zones")
	fs.IntVar(&o.workers, "workers", 24, "concurrent create requests")
	fs.IntVar(&o.maxNodePorts, "max-nodeports", 2500, "NodePort Services at most (one node port each; envtest's range holds 2,768)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generator (same seed, same estate)")
	_ = fs.Parse(os.Args[1:])
	if o.kubeconfig == "" || o.namespaces < 1 || o.services < 1 || o.nodes < 1 || o.workers < 1 {
		fmt.Fprintln(os.Stderr, "scanenv: -kubeconfig is required; counts must be positive")
		fs.Usage()
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "scanenv:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-sigs
		cancel()
	}()

	start := time.Now()
	est := generate(o)
	logf("generated %d namespaces, %d nodes, %d services, %d pods, %d endpointslices, %d ingresses in %s",
		len(est.namespaces), len(est.nodes), len(est.services), len(est.pods), len(est.slices), len(est.ingresses), since(start))

	srv, err := localapi.Start(localapi.Options{})
	if err != nil {
		return err
	}
	defer func() {
		logf("stopping kube-apiserver and etcd")
		if err := srv.Stop(); err != nil {
			logf("stop: %v", err)
		}
	}()
	logf("kube-apiserver serving at %s (%s)", srv.Config.Host, since(start))

	cfg := rest.CopyConfig(srv.Config)
	cfg.QPS, cfg.Burst = 10000, 10000
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	cfg.Timeout = 2 * time.Minute
	cfg.WarningHandler = rest.NoWarnings{} // the legacy class annotation is deliberate
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	fill := time.Now()
	if err := create(ctx, kc, est, o.workers); err != nil {
		return err
	}
	logf("estate created in %s", since(fill))

	if err := os.WriteFile(o.kubeconfig, srv.Kubeconfig, 0o600); err != nil {
		return err
	}
	fmt.Println("ready")
	<-ctx.Done()
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "scanenv: "+format+"\n", args...)
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// estate is the generated objects, statuses included.
type estate struct {
	namespaces []*corev1.Namespace
	nodes      []*corev1.Node
	classes    []*networkingv1.IngressClass
	services   []*corev1.Service
	pods       []*corev1.Pod
	slices     []*discoveryv1.EndpointSlice
	slicePods  [][]int // index of each slice endpoint's pod
	ingresses  []*networkingv1.Ingress
}

var zones = []string{"us-west-2a", "us-west-2b", "us-west-2c"}

const (
	region = "us-west-2"
	cidr   = "10.96.0.0/16" // extra ServiceCIDR for ClusterIPs
)

// hexOf returns n pseudo-random lowercase hex digits.
func hexOf(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// suffix returns n characters as Kubernetes generateName uses.
func suffix(r *rand.Rand, n int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// zoneIP is the address of host h in zone z's VPC subnets (10.16.0.0/12 and
// up: one /12 per zone as the VPC CNI hands pods addresses from the node's
// subnet).
func zoneIP(z, h int) string {
	return net.IPv4(10, byte(16+16*z+h>>16), byte(h>>8), byte(h)).String()
}

var appWords = []string{"api", "web", "cart", "checkout", "search", "auth", "billing", "catalog", "orders", "profile",
	"reviews", "inventory", "payments", "shipping", "notify", "gateway", "media", "reports", "admin", "graphql"}

func generate(o options) *estate {
	r := rand.New(rand.NewPCG(o.seed, 0x1bc71))
	e := &estate{}
	created := metav1.NewTime(time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC))

	for n := 0; n < o.namespaces; n++ {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("team-%03d", n),
			Labels: map[string]string{"team": fmt.Sprintf("team-%03d", n), "cost-center": fmt.Sprintf("cc-%04d", 1000+n%37)}}}
		if r.IntN(10) < 3 {
			ns.Labels[lbc.LabelReadinessGateInject] = lbc.ReadinessGateInjectEnabled
		}
		e.namespaces = append(e.namespaces, ns)
	}

	type nodeInfo struct {
		name, ip string
		zone     int
	}
	var nodes []nodeInfo
	for i := 0; i < o.nodes; i++ {
		z := i % len(zones)
		ip := zoneIP(z, 10+i)
		name := "ip-" + strings.ReplaceAll(ip, ".", "-") + "." + region + ".compute.internal"
		nodes = append(nodes, nodeInfo{name: name, ip: ip, zone: z})
		id := "i-0" + hexOf(r, 16)
		n := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
				corev1.LabelHostname: name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64",
				corev1.LabelTopologyZone: zones[z], corev1.LabelTopologyRegion: region,
				corev1.LabelInstanceTypeStable: "m6i.2xlarge", "eks.amazonaws.com/nodegroup": fmt.Sprintf("workers-%d", i%2),
				"eks.amazonaws.com/capacityType": "ON_DEMAND"}},
			Spec: corev1.NodeSpec{ProviderID: "aws:///" + zones[z] + "/" + id},
			Status: corev1.NodeStatus{
				Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32386544Ki"), corev1.ResourcePods: resource.MustParse("110")},
				Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("7910m"), corev1.ResourceMemory: resource.MustParse("31369712Ki"), corev1.ResourcePods: resource.MustParse("110")},
				Conditions: []corev1.NodeCondition{
					{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", LastHeartbeatTime: created, LastTransitionTime: created},
					{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", LastHeartbeatTime: created, LastTransitionTime: created},
					{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", LastHeartbeatTime: created, LastTransitionTime: created},
					{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status", LastHeartbeatTime: created, LastTransitionTime: created},
				},
				Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip}, {Type: corev1.NodeHostName, Address: name}, {Type: corev1.NodeInternalDNS, Address: name}},
				NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.33.4-eks-1234567", KernelVersion: "6.1.141-155.222.amzn2023.x86_64",
					OSImage: "Amazon Linux 2023.8.20250804", ContainerRuntimeVersion: "containerd://1.7.27", OperatingSystem: "linux", Architecture: "amd64"},
			},
		}
		e.nodes = append(e.nodes, n)
	}

	e.classes = []*networkingv1.IngressClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: lbc.ControllerName}},
		{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
	}

	// Services: service s lives in namespace s % namespaces; within its
	// namespace every other one is NodePort (up to maxNodePorts).
	nsServices := make([][]int, o.namespaces) // service indices by namespace
	nodePorts := 0
	for s := 0; s < o.services; s++ {
		n := s % o.namespaces
		local := len(nsServices[n])
		nsServices[n] = append(nsServices[n], s)
		name := fmt.Sprintf("%s-%d", appWords[local%len(appWords)], local/len(appWords))
		typ := corev1.ServiceTypeClusterIP
		if local%2 == 0 && nodePorts < o.maxNodePorts {
			typ = corev1.ServiceTypeNodePort
			nodePorts++
		}
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.namespaces[n].Name,
				Labels:      map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": e.namespaces[n].Name},
				Annotations: map[string]string{"meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": e.namespaces[n].Name}},
			Spec: corev1.ServiceSpec{Type: typ, Selector: map[string]string{"app.kubernetes.io/name": name},
				Ports: []corev1.ServicePort{
					{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP},
					{Name: "metrics", Port: 9090, TargetPort: intstr.FromInt32(9090), Protocol: corev1.ProtocolTCP},
				},
				SessionAffinity: corev1.ServiceAffinityNone},
		}
		// ClusterIPs from the extra ServiceCIDR, chosen here: the API server's
		// random allocation in a nearly full range is slower.
		if s+1 < 1<<16-1 {
			svc.Spec.ClusterIP = net.IPv4(10, 96, byte((s+1)>>8), byte(s+1)).String()
		}
		if typ == corev1.ServiceTypeNodePort {
			// Every port of a NodePort Service takes a node port: one port
			// only, or the range runs out.
			svc.Spec.Ports = svc.Spec.Ports[:1]
			svc.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
		}
		e.services = append(e.services, svc)
	}

	// Pods: pod p is behind service p % services, on a pseudo-random node.
	type podRef struct {
		pod  int
		node nodeInfo
	}
	behind := make([][]podRef, o.services)
	hostOf := make([]int, len(zones)) // next pod address per zone
	for z := range hostOf {
		hostOf[z] = 1 << 10
	}
	templateHash := make([]string, o.services)
	for s := range templateHash {
		templateHash[s] = suffix(r, 10)
	}
	for p := 0; p < o.pods; p++ {
		s := p % o.services
		svc := e.services[s]
		node := nodes[r.IntN(len(nodes))]
		ip := zoneIP(node.zone, hostOf[node.zone])
		hostOf[node.zone]++
		hostIP := node.ip
		name := svc.Name + "-" + templateHash[s] + "-" + suffix(r, 5)
		app := svc.Name
		tgp := int64(30)
		probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}},
			InitialDelaySeconds: 5, PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}
		liveness := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}},
			InitialDelaySeconds: 15, PeriodSeconds: 20, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}
		c := corev1.Container{
			Name: "app", Image: fmt.Sprintf("123456789012.dkr.ecr.%s.amazonaws.com/%s:1.%d.%d", region, app, r.IntN(20), r.IntN(50)),
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}, {Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}},
			Env: []corev1.EnvVar{{Name: "SERVICE_NAME", Value: app}, {Name: "LOG_LEVEL", Value: "info"},
				{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")}},
			ReadinessProbe: probe, LivenessProbe: liveness,
			VolumeMounts:           []corev1.VolumeMount{{Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
			TerminationMessagePath: "/dev/termination-log", TerminationMessagePolicy: corev1.TerminationMessageReadFile, ImagePullPolicy: corev1.PullIfNotPresent,
		}
		if r.IntN(2) == 0 {
			sleep := int64(5 + 5*r.IntN(8))
			c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: sleep}}}
			tgp = sleep + 30
		}
		expiry := int64(3607)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: svc.Namespace,
				Labels: map[string]string{"app.kubernetes.io/name": app, "pod-template-hash": templateHash[s]},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: app + "-" + templateHash[s],
					UID: types.UID(uuid(r)), Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}},
			Spec: corev1.PodSpec{
				Containers: []corev1.Container{c}, NodeName: node.name, ServiceAccountName: "default",
				RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst, SchedulerName: corev1.DefaultSchedulerName,
				TerminationGracePeriodSeconds: &tgp, EnableServiceLinks: ptr(true), PreemptionPolicy: ptr(corev1.PreemptLowerPriority), Priority: ptr(int32(0)),
				SecurityContext: &corev1.PodSecurityContext{},
				Tolerations: []corev1.Toleration{
					{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
					{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))}},
				Volumes: []corev1.Volume{{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
					DefaultMode: ptr(int32(420)),
					Sources: []corev1.VolumeProjection{
						{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: &expiry}},
						{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
						{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
					}}}}},
			},
		}
		// One pod in fifty is not ready (failing its readiness probe).
		ready := r.IntN(50) != 0
		cond := corev1.ConditionTrue
		if !ready {
			cond = corev1.ConditionFalse
		}
		started := metav1.NewTime(created.Add(time.Duration(r.IntN(86400*30)) * time.Second))
		pod.Status = corev1.PodStatus{
			Phase: corev1.PodRunning, QOSClass: corev1.PodQOSBurstable,
			HostIP: hostIP, HostIPs: []corev1.HostIP{{IP: hostIP}}, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}, StartTime: &started,
			Conditions: []corev1.PodCondition{
				{Type: "PodReadyToStartContainers", Status: corev1.ConditionTrue, LastTransitionTime: started},
				{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: started},
				{Type: corev1.PodReady, Status: cond, LastTransitionTime: started},
				{Type: corev1.ContainersReady, Status: cond, LastTransitionTime: started},
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: started},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: ready, Started: ptr(true), Image: c.Image,
				ImageID: c.Image[:strings.LastIndexByte(c.Image, ':')] + "@sha256:" + hexOf(r, 64), ContainerID: "containerd://" + hexOf(r, 64),
				RestartCount: int32(r.IntN(3)), State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}},
		}
		behind[s] = append(behind[s], podRef{pod: len(e.pods), node: node})
		e.pods = append(e.pods, pod)
	}

	// One EndpointSlice per Service, as the EndpointSlice controller writes it.
	for s, svc := range e.services {
		var podIdx []int
		es := &discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{Name: svc.Name + "-" + suffix(r, 5), Namespace: svc.Namespace,
				Labels: map[string]string{discoveryv1.LabelServiceName: svc.Name, discoveryv1.LabelManagedBy: "endpointslice-controller.k8s.io",
					"app.kubernetes.io/name": svc.Name},
				Annotations: map[string]string{"endpoints.kubernetes.io/last-change-trigger-time": created.UTC().Format(time.RFC3339)},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: types.UID(uuid(r)),
					Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}},
			AddressType: discoveryv1.AddressTypeIPv4,
		}
		for _, sp := range svc.Spec.Ports {
			port := int32(8080) // the "http" container port
			if sp.TargetPort.Type == intstr.Int {
				port = sp.TargetPort.IntVal
			}
			es.Ports = append(es.Ports, discoveryv1.EndpointPort{Name: ptr(sp.Name), Port: ptr(port), Protocol: ptr(corev1.ProtocolTCP)})
		}
		for _, pr := range behind[s] {
			podIdx = append(podIdx, pr.pod)
			p := e.pods[pr.pod]
			ready := p.Status.ContainerStatuses[0].Ready
			es.Endpoints = append(es.Endpoints, discoveryv1.Endpoint{
				Addresses:  []string{p.Status.PodIP},
				Conditions: discoveryv1.EndpointConditions{Ready: ptr(ready), Serving: ptr(ready), Terminating: ptr(false)},
				TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name},
				NodeName:   ptr(pr.node.name), Zone: ptr(zones[pr.node.zone]),
			})
		}
		e.slices = append(e.slices, es)
		e.slicePods = append(e.slicePods, podIdx)
	}

	// Ingresses: ingress g lives in namespace g % namespaces. 40% say
	// target-type instance, 20% leave it to the default (instance), 40% say
	// ip; a quarter join one of 40 explicit groups; 1 in 20 is nginx's.
	for g := 0; g < o.ingresses; g++ {
		n := g % o.namespaces
		ns := e.namespaces[n].Name
		local := g / o.namespaces
		svcs := nsServices[n]
		if len(svcs) == 0 {
			continue
		}
		var nodePortSvcs, clusterIPSvcs []int
		for _, s := range svcs {
			if e.services[s].Spec.Type == corev1.ServiceTypeNodePort {
				nodePortSvcs = append(nodePortSvcs, s)
			} else {
				clusterIPSvcs = append(clusterIPSvcs, s)
			}
		}
		name := fmt.Sprintf("%s-%d", appWords[(local*3)%len(appWords)], local)
		ann := map[string]string{
			lbc.Key(lbc.SuffixHealthCheckPath): "/ready",
			lbc.Key(lbc.SuffixTags):            "team=" + ns + ",cost-center=" + e.namespaces[n].Labels["cost-center"],
		}
		instance := true
		switch t := r.IntN(10); {
		case t < 4:
			ann[lbc.Key(lbc.SuffixTargetType)] = "instance"
		case t < 6:
		default:
			ann[lbc.Key(lbc.SuffixTargetType)] = "ip"
			instance = false
		}
		scheme := []string{"internal", "internet-facing"}[r.IntN(2)]
		if r.IntN(4) == 0 {
			gi := r.IntN(40)
			ann[lbc.Key(lbc.SuffixGroupName)] = fmt.Sprintf("shared-%02d", gi)
			ann[lbc.Key(lbc.SuffixGroupOrder)] = fmt.Sprint(10 + r.IntN(900))
			scheme = []string{"internal", "internet-facing"}[gi%2]
		}
		ann[lbc.Key(lbc.SuffixScheme)] = scheme
		if scheme == "internet-facing" {
			ann[lbc.Key(lbc.SuffixListenPorts)] = `[{"HTTP": 80}, {"HTTPS": 443}]`
			ann[lbc.Key(lbc.SuffixCertificateARN)] = fmt.Sprintf("arn:aws:acm:%s:123456789012:certificate/%s", region, uuid(r))
			ann[lbc.Key(lbc.SuffixSSLRedirect)] = "443"
		}
		in := &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: ann,
				Labels: map[string]string{"app.kubernetes.io/name": name}, Finalizers: []string{"ingress.k8s.aws/resources"}},
		}
		class := "alb"
		if r.IntN(20) == 0 {
			class = "nginx"
		}
		if r.IntN(10) == 0 && class == "alb" {
			in.Annotations[lbc.IngressClassAnnotation] = "alb" // legacy spelling
		} else {
			in.Spec.IngressClassName = ptr(class)
		}
		host := fmt.Sprintf("%s.%s.example.com", name, ns)
		rule := networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{}}}
		paths := 1 + r.IntN(3)
		for p := 0; p < paths; p++ {
			pool := svcs
			// Instance mode needs NodePort Services; 1 in 30 gets a ClusterIP one (a finding).
			switch {
			case instance && len(nodePortSvcs) > 0 && r.IntN(30) != 0:
				pool = nodePortSvcs
			case !instance && len(clusterIPSvcs) > 0 && r.IntN(5) != 0:
				pool = clusterIPSvcs
			}
			svc := e.services[pool[(local*2+p+r.IntN(2))%len(pool)]]
			port := networkingv1.ServiceBackendPort{Name: "http"}
			if r.IntN(2) == 0 {
				port = networkingv1.ServiceBackendPort{Number: 80}
			}
			path := "/"
			if p > 0 {
				path = fmt.Sprintf("/api/v%d/%s", p, svc.Name)
			}
			rule.HTTP.Paths = append(rule.HTTP.Paths, networkingv1.HTTPIngressPath{Path: path, PathType: ptr(networkingv1.PathTypePrefix),
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc.Name, Port: port}}})
		}
		in.Spec.Rules = []networkingv1.IngressRule{rule}
		// Seven in ten were reconciled already and carry their ALB's hostname.
		if r.IntN(10) < 7 {
			prefix := ""
			if scheme == "internal" {
				prefix = "internal-"
			}
			in.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{
				Hostname: fmt.Sprintf("%sk8s-%s-%s-%s-%d.%s.elb.amazonaws.com", prefix, strings.ReplaceAll(ns, "-", ""), trunc(name, 8), hexOf(r, 10), 1000000000+r.IntN(999999999), region)}}
		}
		e.ingresses = append(e.ingresses, in)
	}
	return e
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func uuid(r *rand.Rand) string {
	h := hexOf(r, 32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

func ptr[T any](v T) *T { return &v }

// create writes the estate: kinds in dependency order, each by a pool of
// workers, with a progress line every few seconds.
func create(ctx context.Context, kc kubernetes.Interface, e *estate, workers int) error {
	cidrObj := &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "bench"}, Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{cidr}}}
	if _, err := kc.NetworkingV1().ServiceCIDRs().Create(ctx, cidrObj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create ServiceCIDR %s: %w", cidr, err)
	}
	steps := []struct {
		what string
		n    int
		fn   func(ctx context.Context, i int) error
	}{
		{"namespaces", len(e.namespaces), func(ctx context.Context, i int) error {
			_, err := kc.CoreV1().Namespaces().Create(ctx, e.namespaces[i], metav1.CreateOptions{})
			return ignoreExists(err)
		}},
		{"nodes", len(e.nodes), func(ctx context.Context, i int) error {
			n := e.nodes[i]
			got, err := kc.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				got, err = kc.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
			}
			if err != nil {
				return err
			}
			got.Status = n.Status
			_, err = kc.CoreV1().Nodes().UpdateStatus(ctx, got, metav1.UpdateOptions{})
			return err
		}},
		{"ingressclasses", len(e.classes), func(ctx context.Context, i int) error {
			_, err := kc.NetworkingV1().IngressClasses().Create(ctx, e.classes[i], metav1.CreateOptions{})
			return ignoreExists(err)
		}},
		{"services", len(e.services), func(ctx context.Context, i int) error {
			_, err := kc.CoreV1().Services(e.services[i].Namespace).Create(ctx, e.services[i], metav1.CreateOptions{})
			return ignoreExists(err)
		}},
		{"pods (create + status)", len(e.pods), func(ctx context.Context, i int) error {
			p := e.pods[i]
			in := p.DeepCopy()
			in.Status = corev1.PodStatus{}
			pods := kc.CoreV1().Pods(p.Namespace)
			got, err := pods.Create(ctx, in, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				got, err = pods.Get(ctx, p.Name, metav1.GetOptions{})
			}
			if err != nil {
				return err
			}
			p.UID = got.UID
			got.Status = p.Status
			_, err = pods.UpdateStatus(ctx, got, metav1.UpdateOptions{})
			return err
		}},
		{"endpointslices", len(e.slices), func(ctx context.Context, i int) error {
			es := e.slices[i].DeepCopy()
			for j := range es.Endpoints {
				es.Endpoints[j].TargetRef.UID = e.pods[e.slicePods[i][j]].UID // set when the pod was created
			}
			_, err := kc.DiscoveryV1().EndpointSlices(es.Namespace).Create(ctx, es, metav1.CreateOptions{})
			return ignoreExists(err)
		}},
		{"ingresses (create + status)", len(e.ingresses), func(ctx context.Context, i int) error {
			in := e.ingresses[i]
			ings := kc.NetworkingV1().Ingresses(in.Namespace)
			obj := in.DeepCopy()
			obj.Status = networkingv1.IngressStatus{}
			got, err := ings.Create(ctx, obj, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				got, err = ings.Get(ctx, in.Name, metav1.GetOptions{})
			}
			if err != nil || len(in.Status.LoadBalancer.Ingress) == 0 {
				return err
			}
			got.Status = in.Status
			_, err = ings.UpdateStatus(ctx, got, metav1.UpdateOptions{})
			return err
		}},
	}
	for _, s := range steps {
		if err := pool(ctx, s.what, s.n, workers, s.fn); err != nil {
			return err
		}
	}
	return nil
}

func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// pool runs fn(0..n-1) on workers goroutines, retrying transient errors, and
// reports progress on stderr.
func pool(ctx context.Context, what string, n, workers int, fn func(context.Context, int) error) error {
	if n == 0 {
		return nil
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next, done atomic.Int64
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(3 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				d := done.Load()
				logf("  %s: %d/%d (%.0f/s)", what, d, n, float64(d)/time.Since(start).Seconds())
			}
		}
	}()
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := retry(ctx, func() error { return fn(ctx, i) }); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("%s #%d: %w", what, i, err); cancel() })
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stop)
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	logf("%s: %d in %s (%.0f/s)", what, n, since(start), float64(n)/time.Since(start).Seconds())
	return nil
}

func retry(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 0; attempt < 6; attempt++ {
		if err = fn(); err == nil || !transient(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(1<<attempt) * 100 * time.Millisecond)
	}
	return err
}

func transient(err error) bool {
	if apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsConflict(err) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "EOF")
}
