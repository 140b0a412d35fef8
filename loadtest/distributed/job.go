package distributed

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Environment of a worker.
const (
	// EnvSpec holds the JSON spec.
	EnvSpec = "LBCTL_WORKER_SPEC"
	// EnvSecrets holds the targets' secret headers, from the run's Secret
	// (SecretKey), when they have any.
	EnvSecrets = "LBCTL_WORKER_SECRETS"
	// SecretKey is the key of the run's Secret that holds them.
	SecretKey = "headers"
	// EnvIndex is the Job's completion index, set by the Job controller.
	EnvIndex = "JOB_COMPLETION_INDEX"
)

// Labels of the Job and its pods.
const (
	LabelRun       = "loadtest.lbctl.dev/run"
	labelName      = "app.kubernetes.io/name"
	labelComponent = "app.kubernetes.io/component"
	// LabelJobName is the label the Job controller puts on its pods.
	LabelJobName = "batch.kubernetes.io/job-name"
	// AnnotationIndex is the completion index of an Indexed Job's pod.
	AnnotationIndex = "batch.kubernetes.io/job-completion-index"
	containerName   = "worker"
	// workerUID is the distroless "nonroot" user.
	workerUID = 65532
)

// JobOptions shape the Job.
type JobOptions struct {
	// Name is the Job's name (NewName makes one).
	Name      string
	Namespace string
	Image     string
	// PullPolicy of the image ("" for the cluster's default).
	PullPolicy corev1.PullPolicy
	// Command is the worker's command in the image.
	Command []string
	Workers int
	// Spec is the encoded spec (Spec.Encode).
	Spec string
	// Secret names the Secret whose SecretKey the workers read into
	// EnvSecrets ("" when the targets have no secret header).
	Secret string
	// Requests and Limits of each worker ("" to leave out).
	CPURequest, CPULimit, MemoryRequest, MemoryLimit string
	// TTL deletes the finished Job and its pods after this long.
	TTL time.Duration
	// ActiveDeadline bounds the Job's whole run (0: none).
	ActiveDeadline time.Duration
}

// DefaultCommand runs the worker in lbctl's image.
var DefaultCommand = []string{"/kubectl-lbctl", "loadtest", "worker"}

// NewName is a fresh Job name: lbctl-loadtest-XXXXX.
func NewName() string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "lbctl-loadtest-" + string(b)
}

// Job is the Indexed Job that runs the workers: completions = parallelism
// = workers, no retries (a retried worker would start after the others),
// pods without a service-account token, as a non-root user on a read-only
// root filesystem with no privileges, deleted a TTL after they finish.
func Job(o JobOptions) (*batchv1.Job, error) {
	if o.Workers < 1 {
		return nil, fmt.Errorf("--workers %d: want at least 1", o.Workers)
	}
	if strings.TrimSpace(o.Image) == "" {
		return nil, fmt.Errorf("no worker image: pass --image")
	}
	res, err := resources(o)
	if err != nil {
		return nil, err
	}
	cmd := o.Command
	if len(cmd) == 0 {
		cmd = DefaultCommand
	}
	labels := map[string]string{labelName: "lbctl", labelComponent: "loadtest-worker", LabelRun: o.Name}
	n := int32(o.Workers)
	indexed := batchv1.IndexedCompletion
	ttl := int32(o.TTL / time.Second)
	env := []corev1.EnvVar{{Name: EnvSpec, Value: o.Spec}}
	if o.Secret != "" {
		env = append(env, corev1.EnvVar{Name: EnvSecrets, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: o.Secret}, Key: SecretKey},
		}})
	}
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Namespace: o.Namespace, Labels: labels},
		Spec: batchv1.JobSpec{
			CompletionMode:          &indexed,
			Completions:             &n,
			Parallelism:             &n,
			BackoffLimit:            ptr(int32(0)),
			TTLSecondsAfterFinished: &ttl,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy:                 corev1.RestartPolicyNever,
					AutomountServiceAccountToken:  ptr(false),
					EnableServiceLinks:            ptr(false),
					TerminationGracePeriodSeconds: ptr(int64(15)),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(workerUID)), RunAsGroup: ptr(int64(workerUID)),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:            containerName,
						Image:           o.Image,
						ImagePullPolicy: o.PullPolicy,
						Command:         cmd,
						// Go sizes its scheduler to the container's CPU limit itself.
						Env:       env,
						Resources: res,
						SecurityContext: &corev1.SecurityContext{
							ReadOnlyRootFilesystem:   ptr(true),
							AllowPrivilegeEscalation: ptr(false),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
						TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
					}},
				},
			},
		},
	}
	if o.ActiveDeadline > 0 {
		job.Spec.ActiveDeadlineSeconds = ptr(int64(o.ActiveDeadline / time.Second))
	}
	return job, nil
}

func resources(o JobOptions) (corev1.ResourceRequirements, error) {
	r := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	for _, q := range []struct {
		flag, v string
		list    corev1.ResourceList
		name    corev1.ResourceName
	}{
		{"--worker-cpu", o.CPURequest, r.Requests, corev1.ResourceCPU},
		{"--worker-cpu-limit", o.CPULimit, r.Limits, corev1.ResourceCPU},
		{"--worker-memory", o.MemoryRequest, r.Requests, corev1.ResourceMemory},
		{"--worker-memory-limit", o.MemoryLimit, r.Limits, corev1.ResourceMemory},
	} {
		if q.v == "" {
			continue
		}
		v, err := resource.ParseQuantity(q.v)
		if err != nil {
			return r, fmt.Errorf("%s %q: want a Kubernetes quantity (500m, 1, 256Mi)", q.flag, q.v)
		}
		q.list[q.name] = v
	}
	return r, nil
}

func ptr[T any](v T) *T { return &v }
