package awsendpoint

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const (
	iamVersion   = "2010-05-08"
	iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
)

// protoIAM is IAM's awsquery dialect. It is kept apart from the iota block
// in xml.go so that block can grow without renumbering it.
const protoIAM protocol = 100

// iamCreateDate is the CreateDate of every role, fixed so responses repeat.
var iamCreateDate = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// iamRole is a role put with PutRole; its ARN is built from the account
// when it is read.
type iamRole struct {
	path string
	name string
	id   string
}

// iamState is the IAM part of a State: its roles and the actions denied to
// principals. It is guarded by the State's lock.
type iamState struct {
	// account is the account of the roles' ARNs: the identity's account of
	// the Handler serving the State.
	account string
	roles   table[iamRole]
	// denied maps a principal's ARN to the lower-cased action patterns it
	// may not perform.
	denied map[string]map[string]bool
}

func newIAMState() iamState {
	return iamState{
		account: DefaultIdentity().Account,
		roles:   newTable[iamRole](),
		denied:  make(map[string]map[string]bool),
	}
}

// roleARN is arn:aws:iam::ACCOUNT:role/PATH/NAME.
func (st *iamState) roleARN(r iamRole) string {
	return "arn:aws:iam::" + st.account + ":role" + r.path + r.name
}

// setIAMAccount makes account the account of the roles' ARNs; NewHandler
// sets its identity's.
func (s *State) setIAMAccount(account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.iam.account = account
}

// PutRole creates the IAM role name under path ("/" or e.g. "/eks/"; an
// empty path is "/"), or moves an existing role of that name to path, and
// returns its ARN, arn:aws:iam::ACCOUNT:role/PATH/NAME, in the account of
// the Handler's identity. Every action of a role is allowed until
// DenyActions.
func (s *State) PutRole(path, name string) (arn string) {
	path = "/" + strings.Trim(path, "/") + "/"
	if path == "//" {
		path = "/"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.iam.roles.get(name)
	if !ok {
		r.id = fmt.Sprintf("AROASANDBOX%010d", len(s.iam.roles.m)+1)
	}
	r.path, r.name = path, name
	s.iam.roles.put(name, r, s.next)
	return s.iam.roleARN(r)
}

// DenyActions makes SimulatePrincipalPolicy answer implicitDeny for the
// actions ("elasticloadbalancing:CreateRule"; IAM's * and ? wildcards match
// several) of the principal with principalARN, a role's ARN from PutRole or
// the Handler's identity ARN. Actions compare case-insensitively, as IAM's
// do.
func (s *State) DenyActions(principalARN string, actions ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	denied := s.iam.denied[principalARN]
	if denied == nil {
		denied = make(map[string]bool)
		s.iam.denied[principalARN] = denied
	}
	for _, a := range actions {
		denied[strings.ToLower(a)] = true
	}
}

// AllowActions removes the denials of actions (as DenyActions was given
// them) from the principal with principalARN.
func (s *State) AllowActions(principalARN string, actions ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	denied := s.iam.denied[principalARN]
	for _, a := range actions {
		delete(denied, strings.ToLower(a))
	}
	if len(denied) == 0 {
		delete(s.iam.denied, principalARN)
	}
}

// deniedLocked reports whether a denial of principalARN matches action.
func (st *iamState) deniedLocked(principalARN, action string) bool {
	action = strings.ToLower(action)
	for pattern := range st.denied[principalARN] {
		// Actions hold no '/', so path.Match is IAM's * and ? matching; a
		// malformed pattern matches nothing.
		if ok, _ := path.Match(pattern, action); ok {
			return true
		}
	}
	return false
}

// iamInvalidInput is IAM's 400 for a malformed request.
func iamInvalidInput(format string, args ...any) *apiError {
	return clientError("InvalidInput", format, args...)
}

// noSuchEntity is IAM's 404 for a user, role or group that does not exist.
func noSuchEntity(kind, name string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "NoSuchEntity", message: fmt.Sprintf("The %s with name %s cannot be found.", kind, name)}
}

// iamDenied is the AccessDenied fault of an IAM action, naming the
// Handler's identity as IAM names the caller.
func (h *Handler) iamDenied(action string) *apiError {
	return &apiError{status: http.StatusForbidden, code: "AccessDenied", message: "User: " + h.identity.Arn + " is not authorized to perform: iam:" + action}
}

// knownPrincipalLocked checks that arn is the Handler's identity or a role
// of the State, answering NoSuchEntity (or InvalidInput for an ARN that is
// no IAM principal's) as IAM does.
func (h *Handler) knownPrincipalLocked(arn string) *apiError {
	if arn == h.identity.Arn {
		return nil
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return iamInvalidInput("Invalid ARN %s: not an IAM user, group or role.", arn)
	}
	kind, rest, _ := strings.Cut(parts[5], "/")
	name := rest[strings.LastIndex(rest, "/")+1:]
	switch kind {
	case "role":
		if r, ok := h.state.iam.roles.get(name); ok && h.state.iam.roleARN(r) == arn {
			return nil
		}
	case "user", "group":
	default:
		return iamInvalidInput("Invalid ARN %s: not an IAM user, group or role.", arn)
	}
	return noSuchEntity(kind, name)
}

// simulatePrincipalPolicy evaluates every action (on every resource of
// ResourceArns, else on "*") for a known principal: allowed unless denied.
// All results fit one page.
func (h *Handler) simulatePrincipalPolicy(p params, w *xmlWriter) *apiError {
	principal := p.str("PolicySourceArn")
	actions := p.members("ActionNames")
	if len(actions) == 0 {
		return iamInvalidInput("ActionNames must contain at least one action.")
	}
	resources := p.members("ResourceArns")
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var results []iamtypes.EvaluationResult
	var apiErr *apiError
	h.state.read(func() {
		if apiErr = h.knownPrincipalLocked(principal); apiErr != nil {
			return
		}
		for _, a := range actions {
			decision := iamtypes.PolicyEvaluationDecisionTypeAllowed
			if h.state.iam.deniedLocked(principal, a) {
				decision = iamtypes.PolicyEvaluationDecisionTypeImplicitDeny
			}
			for _, r := range resources {
				results = append(results, iamtypes.EvaluationResult{EvalActionName: aws.String(a), EvalResourceName: aws.String(r), EvalDecision: decision})
			}
		}
	})
	if apiErr != nil {
		return apiErr
	}
	if err := w.list("EvaluationResults", results); err != nil {
		return internalError(err)
	}
	w.text("IsTruncated", "false")
	return nil
}

// getRole answers a role of the State, with a trust policy that lets the
// account's principals assume it.
func (h *Handler) getRole(p params, w *xmlWriter) *apiError {
	name := p.str("RoleName")
	var role iamtypes.Role
	var found bool
	h.state.read(func() {
		r, ok := h.state.iam.roles.get(name)
		if !ok {
			return
		}
		found = true
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + h.state.iam.account + `:root"},"Action":"sts:AssumeRole"}]}`
		role = iamtypes.Role{
			Path:                     aws.String(r.path),
			RoleName:                 aws.String(r.name),
			RoleId:                   aws.String(r.id),
			Arn:                      aws.String(h.state.iam.roleARN(r)),
			CreateDate:               aws.Time(iamCreateDate),
			AssumeRolePolicyDocument: aws.String(url.QueryEscape(trust)),
			MaxSessionDuration:       aws.Int32(3600),
		}
	})
	if !found {
		return noSuchEntity("role", name)
	}
	if err := w.encode("Role", reflect.ValueOf(role)); err != nil {
		return internalError(err)
	}
	return nil
}
