package lbc

import (
	"encoding/json"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// ActionType is the type of a listener rule action.
type ActionType string

// Action types the actions.NAME annotation accepts.
const (
	ActionTypeForward       ActionType = "forward"
	ActionTypeRedirect      ActionType = "redirect"
	ActionTypeFixedResponse ActionType = "fixed-response"
)

// Action is the actions.NAME annotation schema (the controller's
// user-facing config_types.go), so plans can read and write it losslessly.
type Action struct {
	Type ActionType `json:"type"`
	// TargetGroupARN is the legacy "simplified schema" forward to one target
	// group; ParseActions rewrites it into ForwardConfig like the controller.
	TargetGroupARN      *string                    `json:"targetGroupARN,omitempty"`
	FixedResponseConfig *FixedResponseActionConfig `json:"fixedResponseConfig,omitempty"`
	RedirectConfig      *RedirectActionConfig      `json:"redirectConfig,omitempty"`
	ForwardConfig       *ForwardActionConfig       `json:"forwardConfig,omitempty"`
}

// FixedResponseActionConfig returns a fixed HTTP response.
type FixedResponseActionConfig struct {
	ContentType *string `json:"contentType,omitempty"`
	MessageBody *string `json:"messageBody,omitempty"`
	StatusCode  string  `json:"statusCode"`
}

// RedirectActionConfig redirects; nil fields keep the request's value
// ("#{host}", "#{path}", ...).
type RedirectActionConfig struct {
	Host       *string `json:"host,omitempty"`
	Path       *string `json:"path,omitempty"`
	Port       *string `json:"port,omitempty"`
	Protocol   *string `json:"protocol,omitempty"`
	Query      *string `json:"query,omitempty"`
	StatusCode string  `json:"statusCode"`
}

// ForwardActionConfig spreads requests over weighted target groups.
type ForwardActionConfig struct {
	TargetGroups                []TargetGroupTuple           `json:"targetGroups"`
	TargetGroupStickinessConfig *TargetGroupStickinessConfig `json:"targetGroupStickinessConfig,omitempty"`
}

// TargetGroupTuple is one weighted forward target: a Service port (which
// becomes a controller-managed target group), or an existing target group
// by ARN or name.
type TargetGroupTuple struct {
	TargetGroupARN  *string             `json:"targetGroupARN,omitempty"`
	TargetGroupName *string             `json:"targetGroupName,omitempty"`
	ServiceName     *string             `json:"serviceName,omitempty"`
	ServicePort     *intstr.IntOrString `json:"servicePort,omitempty"`
	Weight          *int64              `json:"weight,omitempty"`
}

// TargetGroupStickinessConfig pins a client to one target group of a forward.
type TargetGroupStickinessConfig struct {
	Enabled         *bool  `json:"enabled,omitempty"`
	DurationSeconds *int64 `json:"durationSeconds,omitempty"`
}

func (a *Action) validate() error {
	switch a.Type {
	case ActionTypeFixedResponse:
		if a.FixedResponseConfig == nil {
			return errors.New("missing FixedResponseConfig")
		}
		if a.FixedResponseConfig.StatusCode == "" {
			return errors.New("invalid FixedResponseConfig: statusCode is required")
		}
	case ActionTypeRedirect:
		if a.RedirectConfig == nil {
			return errors.New("missing RedirectConfig")
		}
		if a.RedirectConfig.StatusCode == "" {
			return errors.New("invalid RedirectConfig: statusCode is required")
		}
	case ActionTypeForward:
		if (a.TargetGroupARN != nil) == (a.ForwardConfig != nil) {
			return errors.New("precisely one of TargetGroupArn and ForwardConfig can be specified")
		}
		if a.ForwardConfig != nil {
			for _, t := range a.ForwardConfig.TargetGroups {
				set := 0
				for _, p := range []*string{t.TargetGroupARN, t.TargetGroupName, t.ServiceName} {
					if p != nil {
						set++
					}
				}
				if set != 1 {
					return errors.New("invalid ForwardConfig: invalid TargetGroupTuple: precisely one of targetGroupARN, targetGroupName and serviceName can be specified")
				}
				if t.ServiceName != nil && t.ServicePort == nil {
					return errors.New("invalid ForwardConfig: invalid TargetGroupTuple: missing servicePort")
				}
			}
			if len(a.ForwardConfig.TargetGroups) > 1 {
				for _, t := range a.ForwardConfig.TargetGroups {
					if t.Weight == nil {
						return errors.New("invalid ForwardConfig: weight must be set when route to multiple target groups")
					}
				}
			}
		}
	default:
		return fmt.Errorf("unknown action type: %v", a.Type)
	}
	return nil
}

// ParseActions parses and validates an actions.NAME value the way the
// controller's buildActionViaAnnotation does, including its normalisations:
// the simplified {"type":"forward","targetGroupARN":...} becomes a
// one-entry ForwardConfig, and string service ports that are numbers
// ("80") become numbers, so equal actions compare equal.
func ParseActions(s string) (*Action, error) {
	return parseAction(s, Key(SuffixActionsPrefix+"NAME"))
}

func parseAction(s, key string) (*Action, error) {
	var a Action
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return nil, annErr(key, s, ExpectedAction, err)
	}
	if err := a.validate(); err != nil {
		return nil, annErr(key, s, ExpectedAction, err)
	}
	if a.Type == ActionTypeForward && a.TargetGroupARN != nil {
		a = Action{Type: ActionTypeForward, ForwardConfig: &ForwardActionConfig{
			TargetGroups: []TargetGroupTuple{{TargetGroupARN: a.TargetGroupARN}},
		}}
	}
	if a.Type == ActionTypeForward && a.ForwardConfig != nil {
		for i := range a.ForwardConfig.TargetGroups {
			if p := a.ForwardConfig.TargetGroups[i].ServicePort; p != nil {
				n := intstr.Parse(p.String())
				a.ForwardConfig.TargetGroups[i].ServicePort = &n
			}
		}
	}
	return &a, nil
}

// RuleConditionField names the request field a condition matches.
type RuleConditionField string

// Condition fields the conditions.NAME annotation accepts.
const (
	ConditionHostHeader        RuleConditionField = "host-header"
	ConditionPathPattern       RuleConditionField = "path-pattern"
	ConditionHTTPHeader        RuleConditionField = "http-header"
	ConditionHTTPRequestMethod RuleConditionField = "http-request-method"
	ConditionQueryString       RuleConditionField = "query-string"
	ConditionSourceIP          RuleConditionField = "source-ip"
)

// RuleCondition is one element of a conditions.NAME annotation.
type RuleCondition struct {
	Field                   RuleConditionField                `json:"field"`
	HostHeaderConfig        *HostHeaderConditionConfig        `json:"hostHeaderConfig,omitempty"`
	HTTPHeaderConfig        *HTTPHeaderConditionConfig        `json:"httpHeaderConfig,omitempty"`
	HTTPRequestMethodConfig *HTTPRequestMethodConditionConfig `json:"httpRequestMethodConfig,omitempty"`
	PathPatternConfig       *PathPatternConditionConfig       `json:"pathPatternConfig,omitempty"`
	QueryStringConfig       *QueryStringConditionConfig       `json:"queryStringConfig,omitempty"`
	SourceIPConfig          *SourceIPConditionConfig          `json:"sourceIPConfig,omitempty"`
}

// HostHeaderConditionConfig matches host names (globs, or regexes in RegexValues).
type HostHeaderConditionConfig struct {
	Values      []string `json:"values,omitempty"`
	RegexValues []string `json:"regexValues,omitempty"`
}

// HTTPHeaderConditionConfig matches one header's values.
type HTTPHeaderConditionConfig struct {
	HTTPHeaderName string   `json:"httpHeaderName"`
	Values         []string `json:"values,omitempty"`
	RegexValues    []string `json:"regexValues,omitempty"`
}

// HTTPRequestMethodConditionConfig matches request methods.
type HTTPRequestMethodConditionConfig struct {
	Values []string `json:"values"`
}

// PathPatternConditionConfig matches paths (globs, or regexes in RegexValues).
type PathPatternConditionConfig struct {
	Values      []string `json:"values,omitempty"`
	RegexValues []string `json:"regexValues,omitempty"`
}

// QueryStringKeyValuePair matches one query parameter (any key when Key is nil).
type QueryStringKeyValuePair struct {
	Key   *string `json:"key,omitempty"`
	Value string  `json:"value"`
}

// QueryStringConditionConfig matches query parameters.
type QueryStringConditionConfig struct {
	Values []QueryStringKeyValuePair `json:"values"`
}

// SourceIPConditionConfig matches client CIDRs.
type SourceIPConditionConfig struct {
	Values []string `json:"values"`
}

func (c *RuleCondition) validate() error {
	need := func(name string, present bool, n int) error {
		if !present {
			return fmt.Errorf("missing %s", name)
		}
		if n == 0 {
			return fmt.Errorf("invalid %s: values cannot be empty", name)
		}
		return nil
	}
	switch c.Field {
	case ConditionHostHeader:
		n := 0
		if c.HostHeaderConfig != nil {
			n = len(c.HostHeaderConfig.Values) + len(c.HostHeaderConfig.RegexValues)
		}
		return need("hostHeaderConfig", c.HostHeaderConfig != nil, n)
	case ConditionPathPattern:
		n := 0
		if c.PathPatternConfig != nil {
			n = len(c.PathPatternConfig.Values) + len(c.PathPatternConfig.RegexValues)
		}
		return need("pathPatternConfig", c.PathPatternConfig != nil, n)
	case ConditionHTTPHeader:
		n := 0
		if c.HTTPHeaderConfig != nil {
			n = len(c.HTTPHeaderConfig.Values) + len(c.HTTPHeaderConfig.RegexValues)
		}
		return need("httpHeaderConfig", c.HTTPHeaderConfig != nil, n)
	case ConditionHTTPRequestMethod:
		n := 0
		if c.HTTPRequestMethodConfig != nil {
			n = len(c.HTTPRequestMethodConfig.Values)
		}
		return need("httpRequestMethodConfig", c.HTTPRequestMethodConfig != nil, n)
	case ConditionQueryString:
		n := 0
		if c.QueryStringConfig != nil {
			n = len(c.QueryStringConfig.Values)
		}
		if err := need("queryStringConfig", c.QueryStringConfig != nil, n); err != nil {
			return err
		}
		for _, p := range c.QueryStringConfig.Values {
			if p.Value == "" {
				return errors.New("invalid queryStringConfig: value cannot be empty")
			}
		}
	case ConditionSourceIP:
		n := 0
		if c.SourceIPConfig != nil {
			n = len(c.SourceIPConfig.Values)
		}
		return need("sourceIPConfig", c.SourceIPConfig != nil, n)
	}
	return nil
}

// ParseConditions parses and validates a conditions.NAME value like the
// controller's buildConditions. A condition with an unknown field passes the
// controller's validation and is then ignored when rules are built; it is
// kept in the result and reported with an ErrTolerated error.
func ParseConditions(s string) ([]RuleCondition, error) {
	return parseConditions(s, Key(SuffixConditionsPrefix+"NAME"))
}

func parseConditions(s, key string) ([]RuleCondition, error) {
	var conds []RuleCondition
	if err := json.Unmarshal([]byte(s), &conds); err != nil {
		return nil, annErr(key, s, ExpectedConditions, err)
	}
	var warn error
	for i := range conds {
		if err := conds[i].validate(); err != nil {
			return nil, annErr(key, s, ExpectedConditions, err)
		}
		if !knownConditionField(conds[i].Field) && warn == nil {
			warn = tolerated(key, s, ExpectedConditions, "unknown condition field %q is ignored", conds[i].Field)
		}
	}
	if warn != nil {
		return conds, warn
	}
	return conds, nil
}

func knownConditionField(f RuleConditionField) bool {
	switch f {
	case ConditionHostHeader, ConditionPathPattern, ConditionHTTPHeader,
		ConditionHTTPRequestMethod, ConditionQueryString, ConditionSourceIP:
		return true
	}
	return false
}
