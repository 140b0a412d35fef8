package awsendpoint

// Identity is the caller STS GetCallerIdentity reports.
type Identity struct {
	Account string
	Arn     string
	UserID  string
}

// DefaultIdentity is the sandbox's one IAM user, in the account the
// sandbox's ARNs use.
func DefaultIdentity() Identity {
	return Identity{Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/lbctl-sandbox", UserID: "AIDASANDBOXLBCTL00001"}
}

// getCallerIdentity answers whoever signed the request with the fixed
// identity: signatures are not verified, so every caller is the same user.
func (h *Handler) getCallerIdentity(_ params, w *xmlWriter) *apiError {
	w.text("Arn", h.identity.Arn)
	w.text("UserId", h.identity.UserID)
	w.text("Account", h.identity.Account)
	return nil
}
