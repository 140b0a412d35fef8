// Package awsapi reads the AWS side of the topology — ALBs, listeners, rules,
// target groups, target health, tags, account limits and subnets — through
// aws-sdk-go-v2 clients it is given. It paginates every call, runs them
// concurrently under a rate limit (the SDK's retryer handles throttling), and
// records access problems instead of failing, so a scan can go on with
// Kubernetes data alone.
package awsapi

import "time"

// State is what was read from one region.
type State struct {
	Region        string         `json:"region,omitempty"`
	LoadBalancers []LoadBalancer `json:"loadBalancers"`
	TargetGroups  []TargetGroup  `json:"targetGroups"`
	Subnets       []Subnet       `json:"subnets,omitempty"`
	// Certificates are the issued ACM certificates the controller's
	// discovery by host can pick; CertificatesRead says ACM was read (an
	// empty list then means there are none).
	Certificates     []Certificate `json:"certificates,omitempty"`
	CertificatesRead bool          `json:"certificatesRead,omitempty"`
	// Instances are the nodes' EC2 instances (Reader.InstanceIDs) with their
	// network interfaces, and SecurityGroups every security group of their
	// VPCs and the load balancers': what the controller resolves a pod's
	// security group from. NetworkRead says both were read.
	Instances      []Instance      `json:"instances,omitempty"`
	SecurityGroups []SecurityGroup `json:"securityGroups,omitempty"`
	NetworkRead    bool            `json:"networkRead,omitempty"`
	// BranchENIs are the branch interfaces of pods with security groups of
	// their own (Reader.BranchENIIDs); BranchENIsRead says they were read.
	BranchENIs     []ENI `json:"branchENIs,omitempty"`
	BranchENIsRead bool  `json:"branchENIsRead,omitempty"`
	// HostedZones are the account's Route53 hosted zones (Reader.Route53);
	// HostedZonesRead says they were read.
	HostedZones     []HostedZone `json:"hostedZones,omitempty"`
	HostedZonesRead bool         `json:"hostedZonesRead,omitempty"`
	// Limits are DescribeAccountLimits' values by AWS limit name.
	Limits map[string]string `json:"limits,omitempty"`
	// Problems are calls that failed after retries (access denied, persistent
	// throttling); the rest of the state is still valid.
	Problems []Problem `json:"problems,omitempty"`
	// Calls counts API calls by action, for `-v` and the benchmarks.
	Calls map[string]int `json:"-"`
}

// Problem is one AWS call that could not be made.
type Problem struct {
	Action   string `json:"action"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Resource string `json:"resource,omitempty"`
}

// LoadBalancer is an Application Load Balancer with its listeners and rules.
type LoadBalancer struct {
	ARN           string   `json:"arn"`
	Name          string   `json:"name"`
	DNSName       string   `json:"dnsName"`
	Scheme        string   `json:"scheme"`
	Type          string   `json:"type"`
	State         string   `json:"state,omitempty"`
	VpcID         string   `json:"vpcID,omitempty"`
	IPAddressType string   `json:"ipAddressType,omitempty"`
	Subnets       []string `json:"subnets,omitempty"`
	Zones         []string `json:"zones,omitempty"`
	// Created is the ALB's CreatedTime (nil when AWS did not give it): the
	// age a finding about an orphan names as evidence.
	Created   *time.Time        `json:"created,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
	Listeners []Listener        `json:"listeners,omitempty"`
}

// Listener is a port on an ALB with its rules, default rule last.
type Listener struct {
	ARN      string `json:"arn"`
	Port     int32  `json:"port"`
	Protocol string `json:"protocol"`
	Rules    []Rule `json:"rules,omitempty"`
}

// Rule is a listener rule reduced to what routing and joins need.
type Rule struct {
	ARN       string   `json:"arn"`
	Priority  string   `json:"priority"`
	IsDefault bool     `json:"isDefault,omitempty"`
	Hosts     []string `json:"hosts,omitempty"`
	Paths     []string `json:"paths,omitempty"`
	// Forward lists the target groups the rule sends to, with weights.
	Forward []WeightedTargetGroup `json:"forward,omitempty"`
	// Action is the first action's type (forward, redirect, fixed-response, …).
	Action string `json:"action"`
}

// WeightedTargetGroup is one target of a forward action.
type WeightedTargetGroup struct {
	ARN    string `json:"arn"`
	Weight int32  `json:"weight"`
}

// TargetGroup with its health-check settings and current target health.
type TargetGroup struct {
	ARN              string            `json:"arn"`
	Name             string            `json:"name"`
	TargetType       string            `json:"targetType"`
	Protocol         string            `json:"protocol,omitempty"`
	ProtocolVersion  string            `json:"protocolVersion,omitempty"`
	Port             int32             `json:"port,omitempty"`
	VpcID            string            `json:"vpcID,omitempty"`
	HealthCheck      HealthCheck       `json:"healthCheck"`
	LoadBalancerARNs []string          `json:"loadBalancerARNs,omitempty"`
	Tags             map[string]string `json:"tags,omitempty"`
	Targets          []Target          `json:"targets"`
}

// HealthCheck is a target group's health-check configuration.
type HealthCheck struct {
	Protocol           string `json:"protocol,omitempty"`
	Port               string `json:"port,omitempty"`
	Path               string `json:"path,omitempty"`
	IntervalSeconds    int32  `json:"intervalSeconds,omitempty"`
	TimeoutSeconds     int32  `json:"timeoutSeconds,omitempty"`
	HealthyThreshold   int32  `json:"healthyThreshold,omitempty"`
	UnhealthyThreshold int32  `json:"unhealthyThreshold,omitempty"`
	Matcher            string `json:"matcher,omitempty"`
}

// Target is a registered target and its health as the ALB sees it.
type Target struct {
	ID          string `json:"id"`
	Port        int32  `json:"port"`
	Zone        string `json:"zone,omitempty"`
	State       string `json:"state"`
	Reason      string `json:"reason,omitempty"`
	Description string `json:"description,omitempty"`
}

// Subnet with the free addresses that ALBs and ip-mode pods draw on.
type Subnet struct {
	ID           string            `json:"id"`
	Zone         string            `json:"zone"`
	VpcID        string            `json:"vpcID"`
	CIDR         string            `json:"cidr"`
	AvailableIPs int32             `json:"availableIPs"`
	Tags         map[string]string `json:"tags,omitempty"`
}

// Certificate is an issued ACM certificate and the names it covers (its
// subject alternative names, which include the domain name).
type Certificate struct {
	ARN     string   `json:"arn"`
	Domains []string `json:"domains"`
}

// Instance is an EC2 instance (a node) and its network interfaces.
type Instance struct {
	ID    string `json:"id"`
	Zone  string `json:"zone,omitempty"`
	VpcID string `json:"vpcID,omitempty"`
	ENIs  []ENI  `json:"enis"`
}

// ENI is a network interface of an instance: the addresses and prefixes it
// holds (pods' addresses, with the VPC CNI) and its security groups.
type ENI struct {
	ID             string   `json:"id"`
	DeviceIndex    int32    `json:"deviceIndex"`
	PrivateIPs     []string `json:"privateIPs,omitempty"`
	Prefixes       []string `json:"prefixes,omitempty"`
	SecurityGroups []string `json:"securityGroups"`
}

// SecurityGroup with its tags and inbound rules.
type SecurityGroup struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	VpcID   string            `json:"vpcID,omitempty"`
	Tags    map[string]string `json:"tags,omitempty"`
	Ingress []Permission      `json:"ingress,omitempty"`
}

// Permission is one inbound rule: a protocol and port range from security
// groups or CIDR ranges. Protocol "-1" is all traffic (ports then unset).
type Permission struct {
	Protocol string   `json:"protocol"`
	FromPort int32    `json:"fromPort,omitempty"`
	ToPort   int32    `json:"toPort,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	CIDRs    []string `json:"cidrs,omitempty"`
}

// Allows reports whether the rule lets TCP traffic to port in from the
// security group sg.
func (p Permission) Allows(sg string, port int32) bool {
	switch p.Protocol {
	case "-1", "all":
	case "tcp", "6":
		if port < p.FromPort || port > p.ToPort {
			return false
		}
	default:
		return false
	}
	for _, g := range p.Groups {
		if g == sg {
			return true
		}
	}
	return false
}

// HostedZone is a Route53 hosted zone.
type HostedZone struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Private bool   `json:"private,omitempty"`
	Records int64  `json:"records,omitempty"`
}

// LoadBalancerByARN finds a load balancer.
func (s *State) LoadBalancerByARN(arn string) *LoadBalancer {
	for i := range s.LoadBalancers {
		if s.LoadBalancers[i].ARN == arn {
			return &s.LoadBalancers[i]
		}
	}
	return nil
}

// TargetGroupByARN finds a target group.
func (s *State) TargetGroupByARN(arn string) *TargetGroup {
	for i := range s.TargetGroups {
		if s.TargetGroups[i].ARN == arn {
			return &s.TargetGroups[i]
		}
	}
	return nil
}
