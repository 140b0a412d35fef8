// Package awsendpoint is the local ELBv2 + EC2 endpoint (and STS
// GetCallerIdentity, answering one fixed identity, and ACM ListCertificates
// and DescribeCertificate) that tests and the lbctl sandbox point the real
// aws-sdk-go-v2 clients at.
//
// It speaks the AWS Query protocol exactly as the SDK does: form-encoded POST
// bodies carrying Action and Version (ELBv2 2015-12-01, EC2 2016-11-15, STS
// 2011-06-15), and
// XML responses in the shapes the SDK's generated deserializers expect
// (awsquery "<ActionResponse><ActionResult>…<member>" for ELBv2, ec2query
// "<ActionResponse><requestId>…<item>" with lowerCamel names for EC2). ACM
// speaks JSON 1.1 instead (X-Amz-Target "CertificateManager.<Action>", JSON
// bodies, errors in __type); requests carrying that header go to it.
// Because the real SDK is the client, code under test runs unmodified: set
// AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 and
// AWS_ENDPOINT_URL_EC2) to Server.URL, or set BaseEndpoint on the service
// client options. One endpoint serves both services; requests are routed by
// their Version parameter.
//
// The objects served live in a State, an in-memory store modelled with the
// SDK's own types (elbv2types.LoadBalancer, ec2types.Subnet, …) so that nothing
// is invented. Tests and the sandbox's controller emulator fill and change it
// concurrently while the server runs. Describes of stored objects (load
// balancers, listeners, rules, target groups, subnets, security groups)
// return them in insertion order (the order of their first Put; re-putting
// keeps the position), whatever order ARNs or IDs were asked in, and
// pagination markers point at a position in that order, so a paginated walk
// stays consistent while objects are added or removed. DescribeTags answers
// in request order with tags sorted by key; DescribeTargetHealth and
// DescribeAccountLimits answer in the order given to SetTargetHealth and
// SetAccountLimits.
//
// Faults lets a test make any action slow, throttled, failing with 5xx, or
// denied, with a seeded random source so runs are reproducible, and the
// Handler counts calls per action so benchmarks can assert how many requests
// a controller made.
//
// Signatures are not verified (the server only checks that an Authorization
// header is present, unless Options.AllowAnonymous is set), and Start refuses
// to listen anywhere but loopback.
package awsendpoint
