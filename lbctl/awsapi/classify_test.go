package awsapi

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

func TestClassify(t *testing.T) {
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	op := func(err error) error {
		return &smithy.OperationError{ServiceID: "Elastic Load Balancing v2", OperationName: "DescribeTargetHealth", Err: err}
	}
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, Other},
		{"plain", errors.New("boom"), Other},
		{"ELB throttling, wrapped by the SDK", op(api("Throttling")), Throttled},
		{"EC2 rate limit", fmt.Errorf("read subnets: %w", op(api("RequestLimitExceeded"))), Throttled},
		{"throttling after the retryer gave up", op(&retry.MaxAttemptsError{Attempt: 8, Err: api("ThrottlingException")}), Throttled},
		{"a message that only mentions throttling", errors.New("Throttling is fine"), Other},
		{"IAM denied", op(api("AccessDenied")), AccessDenied},
		{"EC2 denied", op(api("UnauthorizedOperation")), AccessDenied},
		{"expired", op(api("ExpiredToken")), BadCredentials},
		{"no credentials", errors.New("failed to refresh cached credentials, failed to retrieve credentials"), NoCredentials},
		{"not found is other", op(api("LoadBalancerNotFound")), Other},
	}
	for _, tc := range tests {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}
