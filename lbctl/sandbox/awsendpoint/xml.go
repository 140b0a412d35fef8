package awsendpoint

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	smithytime "github.com/aws/smithy-go/time"
)

// protocol selects the XML dialect of a response: awsquery (ELBv2, STS) or
// ec2query (EC2).
type protocol int

const (
	protoELBv2 protocol = iota + 1
	protoEC2
	protoSTS
)

const (
	elbv2Version   = "2015-12-01"
	ec2Version     = "2016-11-15"
	elbv2Namespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
	ec2Namespace   = "http://ec2.amazonaws.com/doc/2016-11-15/"
	stsVersion     = "2011-06-15"
	stsNamespace   = "https://sts.amazonaws.com/doc/2011-06-15/"
	xmlHeader      = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

// xmlWriter renders SDK model values as the XML the SDK deserializers read.
//
// awsquery (ELBv2) element names are the Go field names and list items are
// <member>; maps are <entry><key/><value/></entry>. ec2query element names are
// lowerCamel, list items are <item>, and a few fields are renamed (see
// ec2ElementName).
type xmlWriter struct {
	buf   bytes.Buffer
	proto protocol
}

func (w *xmlWriter) open(name string) {
	w.buf.WriteByte('<')
	w.buf.WriteString(name)
	w.buf.WriteByte('>')
}

func (w *xmlWriter) close(name string) {
	w.buf.WriteString("</")
	w.buf.WriteString(name)
	w.buf.WriteByte('>')
}

// text writes <name>s</name> with s escaped.
func (w *xmlWriter) text(name, s string) {
	w.open(name)
	// EscapeText only fails when the writer fails; bytes.Buffer never does.
	_ = xml.EscapeText(&w.buf, []byte(s))
	w.close(name)
}

// optText writes <name>s</name> unless s is empty.
func (w *xmlWriter) optText(name, s string) {
	if s != "" {
		w.text(name, s)
	}
}

// list writes slice as a list element that is always present, even when
// empty, as AWS does for the top-level collections of a describe result.
func (w *xmlWriter) list(name string, slice any) error {
	v := reflect.ValueOf(slice)
	if v.Kind() != reflect.Slice {
		return fmt.Errorf("encode %s: want a slice, got %T", name, slice)
	}
	if v.IsNil() {
		v = reflect.MakeSlice(v.Type(), 0, 0)
	}
	return w.encode(name, v)
}

func (w *xmlWriter) memberName() string {
	if w.proto == protoEC2 {
		return "item"
	}
	return "member"
}

// encode writes v as element name. Nil pointers write nothing; nil slices and
// maps are handled by the caller (fields skips them), so an empty non-nil
// slice becomes an empty element and decodes back to an empty slice.
func (w *xmlWriter) encode(name string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return w.encode(name, v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			w.text(name, smithytime.FormatDateTime(v.Interface().(time.Time)))
			return nil
		}
		w.open(name)
		if err := w.fields(v); err != nil {
			return err
		}
		w.close(name)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			w.text(name, base64.StdEncoding.EncodeToString(v.Bytes()))
			return nil
		}
		w.open(name)
		member := w.memberName()
		for i := range v.Len() {
			if err := w.encode(member, v.Index(i)); err != nil {
				return fmt.Errorf("encode %s[%d]: %w", name, i, err)
			}
		}
		w.close(name)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("encode %s: unsupported map key %s", name, v.Type().Key())
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		w.open(name)
		for _, k := range keys {
			w.open("entry")
			w.text("key", k)
			if err := w.encode("value", v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))); err != nil {
				return fmt.Errorf("encode %s[%q]: %w", name, k, err)
			}
			w.close("entry")
		}
		w.close(name)
	case reflect.String:
		w.text(name, v.String())
	case reflect.Bool:
		w.text(name, strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w.text(name, strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		w.text(name, strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		w.text(name, strconv.FormatFloat(v.Float(), 'g', -1, 64))
	default:
		return fmt.Errorf("encode %s: unsupported kind %s", name, v.Kind())
	}
	return nil
}

// fields writes the exported, non-zero fields of struct v.
func (w *xmlWriter) fields(v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.Slice, reflect.Map:
			if fv.IsNil() {
				continue
			}
		default:
			if fv.IsZero() {
				continue
			}
		}
		name := f.Name
		if w.proto == protoEC2 {
			name = ec2ElementName(t, f.Name)
		}
		if err := w.encode(name, fv); err != nil {
			return fmt.Errorf("encode %s.%s: %w", t.Name(), f.Name, err)
		}
	}
	return nil
}

// ec2ElementName maps an EC2 SDK field to its ec2query element name: the
// field's locationName, which is the lowerCamel field name except for the
// renames below (read from the SDK's ec2 deserializers).
func ec2ElementName(t reflect.Type, field string) string {
	switch {
	case field == "Tags":
		return "tagSet"
	case t == reflect.TypeFor[ec2types.SecurityGroup]() && field == "Description":
		return "groupDescription"
	case t == reflect.TypeFor[ec2types.IpPermission]() && field == "UserIdGroupPairs":
		return "groups"
	case t == reflect.TypeFor[ec2types.Reservation]() && field == "Instances":
		return "instancesSet"
	case t == reflect.TypeFor[ec2types.Instance]() && field == "NetworkInterfaces":
		return "networkInterfaceSet"
	case t == reflect.TypeFor[ec2types.Instance]() && field == "State":
		return "instanceState"
	case field == "Groups" || (t == reflect.TypeFor[ec2types.Instance]() && field == "SecurityGroups"):
		return "groupSet"
	case (t == reflect.TypeFor[ec2types.InstanceNetworkInterface]() || t == reflect.TypeFor[ec2types.NetworkInterface]()) && field == "PrivateIpAddresses":
		return "privateIpAddressesSet"
	case (t == reflect.TypeFor[ec2types.InstanceNetworkInterface]() || t == reflect.TypeFor[ec2types.NetworkInterface]()) && field == "Ipv4Prefixes":
		return "ipv4PrefixSet"
	case (t == reflect.TypeFor[ec2types.InstanceNetworkInterface]() || t == reflect.TypeFor[ec2types.NetworkInterface]()) && field == "Ipv6Prefixes":
		return "ipv6PrefixSet"
	case (t == reflect.TypeFor[ec2types.InstanceNetworkInterface]() || t == reflect.TypeFor[ec2types.NetworkInterface]()) && field == "Ipv6Addresses":
		return "ipv6AddressesSet"
	}
	r, n := utf8.DecodeRuneInString(field)
	return string(unicode.ToLower(r)) + field[n:]
}

// apiError is an AWS error response: an HTTP status and an error code the
// SDK maps to a typed error (or a smithy.GenericAPIError).
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s (%d): %s", e.code, e.status, e.message)
}

// clientError is a 400 error caused by the request.
func clientError(code, format string, args ...any) *apiError {
	return &apiError{status: 400, code: code, message: fmt.Sprintf(format, args...)}
}

// errorBody renders e in the protocol's error envelope: awsquery
// <ErrorResponse><Error>…</Error><RequestId/> or ec2query
// <Response><Errors><Error>…</Error></Errors><RequestID/>.
func errorBody(p protocol, e *apiError, requestID string) []byte {
	w := &xmlWriter{proto: p}
	w.buf.WriteString(xmlHeader)
	if p == protoEC2 {
		w.open("Response")
		w.open("Errors")
		w.open("Error")
		w.text("Code", e.code)
		w.text("Message", e.message)
		w.close("Error")
		w.close("Errors")
		w.text("RequestID", requestID)
		w.close("Response")
		return w.buf.Bytes()
	}
	errType := "Sender"
	if e.status >= 500 {
		errType = "Receiver"
	}
	w.buf.WriteString(`<ErrorResponse xmlns="` + p.namespace() + `">`)
	w.open("Error")
	w.text("Type", errType)
	w.text("Code", e.code)
	w.text("Message", e.message)
	w.close("Error")
	w.text("RequestId", requestID)
	w.close("ErrorResponse")
	return w.buf.Bytes()
}

// namespace is the XML namespace of an awsquery service's responses.
func (p protocol) namespace() string {
	switch p {
	case protoSTS:
		return stsNamespace
	case protoIAM:
		return iamNamespace
	}
	return elbv2Namespace
}

// successBody wraps the result fields rendered by an action in the
// protocol's response envelope.
func successBody(p protocol, action string, result []byte, requestID string) []byte {
	var b bytes.Buffer
	b.Grow(len(result) + 256)
	b.WriteString(xmlHeader)
	if p == protoEC2 {
		b.WriteString("<" + action + `Response xmlns="` + ec2Namespace + `">`)
		b.WriteString("<requestId>" + requestID + "</requestId>")
		b.Write(result)
		b.WriteString("</" + action + "Response>")
		return b.Bytes()
	}
	b.WriteString("<" + action + `Response xmlns="` + p.namespace() + `">`)
	b.WriteString("<" + action + "Result>")
	b.Write(result)
	b.WriteString("</" + action + "Result>")
	b.WriteString("<ResponseMetadata><RequestId>" + requestID + "</RequestId></ResponseMetadata>")
	b.WriteString("</" + action + "Response>")
	return b.Bytes()
}
