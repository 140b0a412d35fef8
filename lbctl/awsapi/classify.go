package awsapi

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Class is what kind of failure an AWS error is, for callers that act on it
// (back off, report a missing permission, ask for credentials).
type Class int

// The classes Classify tells apart.
const (
	// Other is any error of none of the classes below (nil included).
	Other Class = iota
	// AccessDenied: IAM refused the call.
	AccessDenied
	// Throttled: AWS rate-limited the call (after the retryer gave up, or
	// on a call made without retries).
	Throttled
	// BadCredentials: the credentials were found but AWS rejected them
	// (expired, unknown key, bad signature).
	BadCredentials
	// NoCredentials: the SDK found no credentials at all.
	NoCredentials
)

// Classify says what kind of failure err is, from the AWS API error code
// the SDK returns (wrapped at any depth) or, for a missing credential
// chain, from the SDK's message.
func Classify(err error) Class {
	if err == nil {
		return Other
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if c := ClassifyCode(ae.ErrorCode()); c != Other {
			return c
		}
	}
	var re *retry.MaxAttemptsError
	if errors.As(err, &re) && re.Err != nil && re.Err != err {
		if c := Classify(re.Err); c != Other {
			return c
		}
	}
	msg := err.Error()
	if strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "no EC2 IMDS role found") || strings.Contains(msg, "get credentials") {
		return NoCredentials
	}
	return Other
}

// ClassifyCode classifies an AWS API error code.
func ClassifyCode(code string) Class {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess":
		return AccessDenied
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled", "RequestThrottledException":
		return Throttled
	case "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException":
		return BadCredentials
	}
	return Other
}

// Unanswered says whether err means the endpoint gave no answer at all
// (connection refused or reset, a timeout, no route, a deadline) rather
// than an API error it answered with (access denied, throttling, …) or a
// missing credential.
func Unanswered(err error) bool {
	if err == nil || Classify(err) == NoCredentials {
		return false
	}
	var api smithy.APIError
	return !errors.As(err, &api)
}
