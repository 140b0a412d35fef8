package lbc

import (
	"encoding/json"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Authentication annotations (auth_config_builder.go).
const (
	SuffixAuthType                     = "auth-type"
	SuffixAuthIDPCognito               = "auth-idp-cognito"
	SuffixAuthIDPOIDC                  = "auth-idp-oidc"
	SuffixAuthOnUnauthenticatedRequest = "auth-on-unauthenticated-request"
	SuffixAuthScope                    = "auth-scope"
	SuffixAuthSessionCookie            = "auth-session-cookie"
	SuffixAuthSessionTimeout           = "auth-session-timeout"
	SuffixAuthExtraParams              = "auth-authentication-request-extra-params"
	// SuffixTransformsPrefix starts transforms.NAME: rule transforms for
	// paths whose backend service name is NAME.
	SuffixTransformsPrefix = "transforms."
)

// Authentication types of auth-type.
const (
	AuthTypeNone    = "none"
	AuthTypeCognito = "cognito"
	AuthTypeOIDC    = "oidc"
)

// AuthConfig is the authentication a rule on an HTTPS listener performs
// before its action, from the Service's annotations, else the Ingress's.
type AuthConfig struct {
	Type string
	// Cognito and OIDC are the identity provider's settings as written.
	Cognito *AuthIDPCognito
	OIDC    *AuthIDPOIDC
	// The rest apply to either provider.
	OnUnauthenticatedRequest string
	Scope                    string
	SessionCookieName        string
	SessionTimeout           int64
	ExtraParams              map[string]string
}

// AuthIDPCognito is auth-idp-cognito.
type AuthIDPCognito struct {
	UserPoolARN      string `json:"userPoolARN"`
	UserPoolClientID string `json:"userPoolClientID"`
	UserPoolDomain   string `json:"userPoolDomain"`
}

// AuthIDPOIDC is auth-idp-oidc; the client ID and secret come from the
// Secret it names, in the Ingress's namespace.
type AuthIDPOIDC struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorizationEndpoint"`
	TokenEndpoint         string `json:"tokenEndpoint"`
	UserInfoEndpoint      string `json:"userInfoEndpoint"`
	SecretName            string `json:"secretName"`
}

// AuthConfigOf resolves a backend's authentication (the Service's
// annotations winning over the Ingress's), with the controller's defaults:
// scope "openid", cookie "AWSELBAuthSessionCookie", 604800 s, and
// "authenticate" for unauthenticated requests. Type is "none" without
// auth-type.
func AuthConfigOf(ing *networkingv1.Ingress, svc *corev1.Service) (AuthConfig, error) {
	var svcAnn map[string]string
	if svc != nil {
		svcAnn = svc.Annotations
	}
	ann := mergeAnnotations(svcAnn, ing.Annotations)
	c := AuthConfig{Type: AuthTypeNone, OnUnauthenticatedRequest: "authenticate", Scope: "openid",
		SessionCookieName: "AWSELBAuthSessionCookie", SessionTimeout: 604800}
	if v, ok := ann[Key(SuffixAuthType)]; ok {
		if !oneOf(v, AuthTypeNone, AuthTypeCognito, AuthTypeOIDC) {
			return c, annErr(Key(SuffixAuthType), v, "none, cognito or oidc", errors.New("unknown authType"))
		}
		c.Type = v
	}
	if c.Type == AuthTypeNone {
		return c, nil
	}
	if v, ok := ann[Key(SuffixAuthIDPCognito)]; ok {
		c.Cognito = &AuthIDPCognito{}
		if err := json.Unmarshal([]byte(v), c.Cognito); err != nil {
			return c, annErr(Key(SuffixAuthIDPCognito), v, "JSON {userPoolARN, userPoolClientID, userPoolDomain}", err)
		}
	}
	if v, ok := ann[Key(SuffixAuthIDPOIDC)]; ok {
		c.OIDC = &AuthIDPOIDC{}
		if err := json.Unmarshal([]byte(v), c.OIDC); err != nil {
			return c, annErr(Key(SuffixAuthIDPOIDC), v, "JSON {issuer, authorizationEndpoint, tokenEndpoint, userInfoEndpoint, secretName}", err)
		}
	}
	if c.Type == AuthTypeCognito && c.Cognito == nil {
		return c, annErr(Key(SuffixAuthIDPCognito), "", "JSON {userPoolARN, userPoolClientID, userPoolDomain}", errors.New("missing IDPConfigCognito"))
	}
	if c.Type == AuthTypeOIDC && c.OIDC == nil {
		return c, annErr(Key(SuffixAuthIDPOIDC), "", "JSON {issuer, authorizationEndpoint, tokenEndpoint, userInfoEndpoint, secretName}", errors.New("missing IDPConfigOIDC"))
	}
	if v, ok := ann[Key(SuffixAuthOnUnauthenticatedRequest)]; ok {
		if !oneOf(v, "authenticate", "allow", "deny") {
			return c, annErr(Key(SuffixAuthOnUnauthenticatedRequest), v, "authenticate, allow or deny", errors.New("unknown action"))
		}
		c.OnUnauthenticatedRequest = v
	}
	if v, ok := ann[Key(SuffixAuthScope)]; ok {
		c.Scope = v
	}
	if v, ok := ann[Key(SuffixAuthSessionCookie)]; ok {
		c.SessionCookieName = v
	}
	if v, ok := ann[Key(SuffixAuthSessionTimeout)]; ok {
		n, err := ParseInt(v, Key(SuffixAuthSessionTimeout))
		if err != nil {
			return c, err
		}
		c.SessionTimeout = n
	}
	if v, ok := ann[Key(SuffixAuthExtraParams)]; ok {
		m, err := ParseStringMap(v, Key(SuffixAuthExtraParams))
		if err != nil {
			return c, err
		}
		c.ExtraParams = m
	}
	return c, nil
}

// Transforms are the transforms.NAME annotation of an Ingress for paths
// whose backend service name is name: a JSON list passed to the rule as
// written (url-rewrite, host-header-rewrite), nil when unset.
func Transforms(ing *networkingv1.Ingress, name string) ([]json.RawMessage, error) {
	key := Key(SuffixTransformsPrefix + name)
	v, ok := ing.Annotations[key]
	if !ok {
		return nil, nil
	}
	var out []json.RawMessage
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, annErr(key, v, `JSON list of {"type": "url-rewrite"|"host-header-rewrite", ...}`, fmt.Errorf("invalid transforms: %w", err))
	}
	return out, nil
}
