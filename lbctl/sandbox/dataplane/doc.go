// Package dataplane is the sandbox's traffic path: real HTTP servers and
// reverse proxies on loopback that behave like the pieces of an EKS cluster
// fronted by the AWS Load Balancer Controller.
//
// Three kinds of server make up the path a request takes in production:
//
//   - Pod: one HTTP server per pod, with a readiness endpoint, injectable
//     latency and error rate, graceful Shutdown (SIGTERM after preStop) and
//     abrupt Close (a killed container: connections are reset).
//   - NodePort: the kube-proxy hop of instance mode. It forwards to a random
//     ready endpoint, as iptables mode does, and adds a configurable latency
//     when that endpoint lives in another zone, so the cost of the extra hop
//     shows up in load tests.
//   - Plane: every ALB as a reverse proxy on its own 127.x address, routing by
//     host header and path to weighted target groups, balancing over healthy
//     targets (failing open when none is), health checking targets with the
//     configured thresholds, and draining deregistered targets. Errors the ALB
//     itself generates carry "Server: awselb/2.0", as real ALBs' do, so a load
//     test can tell them from its targets' errors.
//
// The package knows nothing about Kubernetes or AWS types: the sandbox's
// controller emulator translates what it reconciles into a Config, calls
// Plane.Apply whenever load balancers, rules, target groups or targets
// change, and learns target health through Options.OnHealth and
// Plane.TargetHealth (what DescribeTargetHealth answers).
//
// Only loopback addresses (127.0.0.0/8, and "localhost" meaning 127.0.0.1)
// are ever listened on or dialled; anything else is refused with an error
// wrapping ErrNotLoopback. On Linux every 127.x.y.z address is usable without
// configuration, which is what lets each pod, node and ALB have its own IP.
//
// Timing (health-check intervals, deregistration delays, injected latency)
// runs on the wall clock, because the point of the package is real traffic
// over real sockets.
package dataplane
