package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TemplateHashLabel marks which template revision made a pod, as the
// Deployment controller's pod-template-hash does.
const TemplateHashLabel = appsv1.DefaultDeploymentUniqueLabelKey

func templateHash(t *corev1.PodTemplateSpec) string {
	b, _ := json.Marshal(t)
	h := fnv.New32a()
	h.Write(b)
	return fmt.Sprintf("%x", h.Sum32())
}

// syncDeployments keeps each Deployment's pods: surge one new pod, remove
// one old pod once more than the desired number are ready (maxSurge 1,
// maxUnavailable 0), so a restart annotation rolls pods one by one.
func (k *Kubelet) syncDeployments(ctx context.Context) error {
	deploys, err := k.deploys.List(labels.Everything())
	if err != nil {
		return err
	}
	for _, d := range deploys {
		if err := k.syncDeployment(ctx, d); err != nil {
			return fmt.Errorf("deployment %s/%s: %w", d.Namespace, d.Name, err)
		}
	}
	return nil
}

func (k *Kubelet) syncDeployment(ctx context.Context, d *appsv1.Deployment) error {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return err
	}
	pods, err := k.pods.Pods(d.Namespace).List(sel)
	if err != nil {
		return err
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	hash := templateHash(&d.Spec.Template)
	var cur, old []*corev1.Pod
	readyCur, readyOld := 0, 0
	for _, p := range pods {
		if p.DeletionTimestamp != nil || !ownedBy(p, d) {
			continue
		}
		if p.Labels[TemplateHashLabel] == hash {
			cur = append(cur, p)
			if podReady(p) {
				readyCur++
			}
		} else {
			old = append(old, p)
			if podReady(p) {
				readyOld++
			}
		}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Name < old[j].Name })
	sort.Slice(cur, func(i, j int) bool { return cur[i].CreationTimestamp.After(cur[j].CreationTimestamp.Time) })
	switch {
	case int32(len(cur)) < want && int32(len(cur)+len(old)) < want+1:
		if err := k.createPod(ctx, d, hash); err != nil {
			return err
		}
	case len(old) > 0 && int32(readyCur+readyOld) > want:
		if err := k.deletePod(ctx, old[0]); err != nil {
			return err
		}
	case len(old) > 0 && int32(len(cur)) >= want && readyCur >= int(want):
		if err := k.deletePod(ctx, old[0]); err != nil {
			return err
		}
	case len(old) == 0 && int32(len(cur)) > want:
		if err := k.deletePod(ctx, cur[0]); err != nil {
			return err
		}
	}
	st := appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: int32(len(cur) + len(old)),
		UpdatedReplicas: int32(len(cur)), ReadyReplicas: int32(readyCur + readyOld), AvailableReplicas: int32(readyCur + readyOld)}
	if d.Status.Replicas != st.Replicas || d.Status.UpdatedReplicas != st.UpdatedReplicas || d.Status.ReadyReplicas != st.ReadyReplicas || d.Status.ObservedGeneration != st.ObservedGeneration {
		dd := d.DeepCopy()
		dd.Status = st
		if _, err := k.kc.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, dd, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func ownedBy(p *corev1.Pod, d *appsv1.Deployment) bool {
	for _, o := range p.OwnerReferences {
		if o.Kind == "Deployment" && o.Name == d.Name {
			return true
		}
	}
	return false
}

func (k *Kubelet) createPod(ctx context.Context, d *appsv1.Deployment, hash string) error {
	t := d.Spec.Template.DeepCopy()
	name := fmt.Sprintf("%s-%s-%s", d.Name, hash[:min(len(hash), 8)], randSuffix())
	lbls := map[string]string{}
	for k, v := range t.Labels {
		lbls[k] = v
	}
	lbls[TemplateHashLabel] = hash
	node := k.opts.Nodes[k.nextNode%len(k.opts.Nodes)]
	k.nextNode++
	controller := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: d.Namespace, Labels: lbls, Annotations: t.Annotations,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &controller}}},
		Spec: t.Spec,
	}
	pod.Spec.NodeName = node.Name
	if err := k.injectReadinessGates(ctx, pod); err != nil {
		return err
	}
	_, err := k.kc.CoreV1().Pods(d.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err == nil {
		k.logf("kubelet: created pod %s/%s on %s", pod.Namespace, pod.Name, node.Name)
	}
	return err
}

func randSuffix() string {
	const letters = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, 5)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

// deletePod deletes with the pod's grace period; the kubelet then runs the
// preStop hook and stops the container before removing the object.
func (k *Kubelet) deletePod(ctx context.Context, p *corev1.Pod) error {
	k.logf("kubelet: deleting pod %s/%s", p.Namespace, p.Name)
	return k.kc.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
