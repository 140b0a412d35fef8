package permissions

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The directories whose non-test Go files are lbctl's code paths. The
// sandbox (its own API server and AWS emulator) is left out: it never talks
// to a user's cluster or account.
var (
	scanDirs    = []string{"cmd", "lbctl", "migrate", "loadtest"}
	skipDirs    = []string{"lbctl/sandbox", "lbctl/permissions"}
	awsSvcPath  = "github.com/aws/aws-sdk-go-v2/service/"
	groupMethod = regexp.MustCompile(`^([A-Z][A-Za-z]*?)V\d+((alpha|beta)\d+)?$`)
)

// iamPrefix maps an aws-sdk-go-v2 service package to its IAM action prefix.
func iamPrefix(svc string) string {
	switch svc {
	case "elasticloadbalancingv2":
		return "elasticloadbalancing"
	}
	return svc
}

// apiGroup maps a typed clientset accessor's name (without version) to its
// API group.
func apiGroup(name string) (string, bool) {
	switch name {
	case "Core":
		return "", true
	case "Apps", "Batch", "Policy", "Autoscaling":
		return strings.ToLower(name), true
	case "Rbac":
		return "rbac.authorization.k8s.io", true
	case "Networking", "Discovery", "Authorization", "Authentication", "Coordination",
		"Admissionregistration", "Apiextensions", "Events", "Storage", "Scheduling", "Node":
		return strings.ToLower(name) + ".k8s.io", true
	}
	return "", false
}

// verbOf maps a client-go method to its RBAC verb and subresource.
func verbOf(method string) (verb, sub string, ok bool) {
	switch method {
	case "List", "Get", "Create", "Update", "Patch", "Delete", "Watch":
		return strings.ToLower(method), "", true
	case "DeleteCollection":
		return "deletecollection", "", true
	case "UpdateStatus":
		return "update", "status", true
	case "Apply":
		return "patch", "", true
	case "ApplyStatus":
		return "patch", "status", true
	case "GetScale":
		return "get", "scale", true
	case "GetLogs":
		return "get", "log", true
	case "UpdateScale":
		return "update", "scale", true
	}
	return "", "", false
}

// found is one permission the code needs, with where.
type found struct {
	fn   string
	perm string // "aws elasticloadbalancing:X" or "kube group/resource:verb"
	pos  string
}

type srcFile struct {
	dir     string // relative to the module root, slash-separated
	file    *ast.File
	imports map[string]string // local name → import path
}

type scanner struct {
	root  string
	fset  *token.FileSet
	files []srcFile
	// gvrs are package-level GroupVersionResource variables: "dir.Name" → group, resource.
	gvrs map[string][2]string
	// awsOps maps an operation name declared in an interface over an AWS
	// client to its IAM action.
	awsOps map[string]string
	out    []found
	errs   []string
	// deferred dynamic calls whose GVR is a parameter of their function.
	deferred []deferredGVR
}

type deferredGVR struct {
	dir, fn, fnName string
	param           int
	verb, sub       string
	pos             string
}

func parseTree(t *testing.T, root string) *scanner {
	t.Helper()
	s := &scanner{root: root, fset: token.NewFileSet(), gvrs: map[string][2]string{}, awsOps: map[string]string{}}
	for _, top := range scanDirs {
		if _, err := os.Stat(filepath.Join(root, top)); os.IsNotExist(err) {
			continue
		}
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				for _, sk := range skipDirs {
					if rel == sk {
						return filepath.SkipDir
					}
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(s.fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			sf := srcFile{dir: filepath.ToSlash(filepath.Dir(rel)), file: f, imports: map[string]string{}}
			for _, im := range f.Imports {
				p, _ := strconv.Unquote(im.Path.Value)
				name := p[strings.LastIndex(p, "/")+1:]
				if im.Name != nil {
					name = im.Name.Name
				}
				sf.imports[name] = p
			}
			s.files = append(s.files, sf)
			return nil
		})
		if err != nil {
			t.Fatalf("parse %s: %v", top, err)
		}
	}
	return s
}

// modPath is the module's import path prefix.
const modPath = "github.com/lbctl/lbctl/"

// collectDecls indexes GVR variables and AWS interface operations.
func (s *scanner) collectDecls() {
	groupNames := map[string]string{} // dir → GroupName-like consts and GroupVersion vars
	for _, sf := range s.files {
		for _, d := range sf.file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, sp := range gd.Specs {
				switch sp := sp.(type) {
				case *ast.ValueSpec:
					for i, n := range sp.Names {
						if i >= len(sp.Values) {
							continue
						}
						if lit, ok := sp.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.Contains(n.Name, "Group") {
							v, _ := strconv.Unquote(lit.Value)
							groupNames[sf.dir+"."+n.Name] = v
						}
					}
				case *ast.TypeSpec:
					it, ok := sp.Type.(*ast.InterfaceType)
					if !ok {
						continue
					}
					for _, m := range it.Methods.List {
						ft, ok := m.Type.(*ast.FuncType)
						if !ok || len(m.Names) == 0 {
							continue
						}
						for _, p := range ft.Params.List {
							if svc, op, ok := sf.awsInput(p.Type); ok && op == m.Names[0].Name {
								s.awsOps[op] = iamPrefix(svc) + ":" + op
							}
						}
					}
				}
			}
		}
	}
	for _, sf := range s.files {
		for _, d := range sf.file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, sp := range gd.Specs {
				vs, ok := sp.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, n := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					if g, r, ok := s.literalGVR(sf, vs.Values[i], groupNames); ok {
						s.gvrs[sf.dir+"."+n.Name] = [2]string{g, r}
					}
				}
			}
		}
	}
}

// literalGVR reads X.WithResource("r") (group from a GroupName constant in
// the same package) or schema.GroupVersionResource{Group: "g", Resource: "r"}.
func (s *scanner) literalGVR(sf srcFile, e ast.Expr, groupNames map[string]string) (string, string, bool) {
	switch e := e.(type) {
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "WithResource" || len(e.Args) != 1 {
			return "", "", false
		}
		r, ok := stringLit(e.Args[0])
		if !ok {
			return "", "", false
		}
		for k, v := range groupNames {
			if strings.HasPrefix(k, sf.dir+".") {
				return v, r, true
			}
		}
	case *ast.CompositeLit:
		sel, ok := e.Type.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "GroupVersionResource" {
			return "", "", false
		}
		var g, r string
		for _, el := range e.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			v, _ := stringLit(kv.Value)
			switch fmt.Sprint(kv.Key) {
			case "Group":
				g = v
			case "Resource":
				r = v
			}
		}
		return g, r, r != ""
	}
	return "", "", false
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(lit.Value)
	return v, err == nil
}

// awsInput recognises svc.OpInput and *svc.OpInput for an AWS service package.
func (sf srcFile) awsInput(e ast.Expr) (svc, op string, ok bool) {
	if st, isStar := e.(*ast.StarExpr); isStar {
		e = st.X
	}
	sel, isSel := e.(*ast.SelectorExpr)
	if !isSel {
		return "", "", false
	}
	pkg, isIdent := sel.X.(*ast.Ident)
	if !isIdent {
		return "", "", false
	}
	path := sf.imports[pkg.Name]
	if !strings.HasPrefix(path, awsSvcPath) || !strings.HasSuffix(sel.Sel.Name, "Input") {
		return "", "", false
	}
	svc = strings.TrimPrefix(path, awsSvcPath)
	if i := strings.Index(svc, "/"); i >= 0 {
		return "", "", false // a sub-package such as types
	}
	return svc, strings.TrimSuffix(sel.Sel.Name, "Input"), true
}

func funcKey(dir string, fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return dir + "." + fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	return dir + ".(" + fmt.Sprint(t) + ")." + fd.Name.Name
}

// walk finds the call sites in every function.
func (s *scanner) walk() {
	for _, sf := range s.files {
		for _, d := range sf.file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			s.walkFunc(sf, fd)
		}
	}
	s.resolveDeferred()
}

func (s *scanner) add(fn, perm string, at token.Pos) {
	s.out = append(s.out, found{fn: fn, perm: perm, pos: s.fset.Position(at).String()})
}

func (s *scanner) walkFunc(sf srcFile, fd *ast.FuncDecl) {
	fn := funcKey(sf.dir, fd)
	params := map[string]int{}
	i := 0
	for _, p := range fd.Type.Params.List {
		if len(p.Names) == 0 {
			i++
		}
		for _, n := range p.Names {
			params[n.Name] = i
			i++
		}
	}
	// Typed resource interfaces held in variables: x := kc.CoreV1().Pods(ns).
	held := map[string][2]string{}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, r := range as.Rhs {
			if g, res, ok := s.typedResource(r); ok {
				if id, ok := as.Lhs[i].(*ast.Ident); ok {
					held[id.Name] = [2]string{g, res}
				}
			}
		}
		return true
	})
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			if svc, op, ok := sf.awsInput(n.Type); ok {
				s.add(fn, "aws "+iamPrefix(svc)+":"+op, n.Pos())
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			name := sel.Sel.Name
			// svc.NewOpPaginator(client, ...)
			if pkg, ok := sel.X.(*ast.Ident); ok {
				if path := sf.imports[pkg.Name]; strings.HasPrefix(path, awsSvcPath) && strings.HasPrefix(name, "New") && strings.HasSuffix(name, "Paginator") {
					svc := strings.TrimPrefix(path, awsSvcPath)
					s.add(fn, "aws "+iamPrefix(svc)+":"+strings.TrimSuffix(strings.TrimPrefix(name, "New"), "Paginator"), n.Pos())
					return true
				}
			}
			// client.Op(ctx, in) for an operation of an AWS client interface.
			if action, ok := s.awsOps[name]; ok && len(n.Args) >= 2 {
				if _, isPkg := sf.imports[fmt.Sprint(sel.X)]; !isPkg {
					s.add(fn, "aws "+action, n.Pos())
				}
			}
			// Informers list, then watch: factory.<Group>().<Version>().<Resources>().Informer()
			// and dynamic factories' ForResource(gvr).Informer().
			if name == "Informer" && len(n.Args) == 0 {
				if g, res, ok := s.informerResource(sel.X); ok {
					s.addKube(fn, g, res, "list", "", n.Pos())
					s.addKube(fn, g, res, "watch", "", n.Pos())
					return true
				}
				if fr, ok := sel.X.(*ast.CallExpr); ok && len(fr.Args) == 1 {
					if fsel, ok := fr.Fun.(*ast.SelectorExpr); ok && fsel.Sel.Name == "ForResource" {
						s.dynamic(sf, fd, fn, params, fr.Args[0], "list", "", n.Pos())
						s.dynamic(sf, fd, fn, params, fr.Args[0], "watch", "", n.Pos())
						return true
					}
				}
			}
			verb, sub, ok := verbOf(name)
			if !ok {
				return true
			}
			if g, res, ok := s.typedResource(sel.X); ok {
				s.addKube(fn, g, res, verb, sub, n.Pos())
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok {
				if gr, ok := held[id.Name]; ok {
					s.addKube(fn, gr[0], gr[1], verb, sub, n.Pos())
					return true
				}
			}
			if arg, ok := dynamicResource(sel.X); ok {
				s.dynamic(sf, fd, fn, params, arg, verb, sub, n.Pos())
			}
		}
		return true
	})
}

func (s *scanner) addKube(fn, group, resource, verb, sub string, at token.Pos) {
	if sub != "" {
		resource += "/" + sub
	}
	s.add(fn, "kube "+KubeRule{group, resource, verb}.String(), at)
}

// typedResource recognises kc.<Group><Version>().<Resources>(...).
func (s *scanner) typedResource(e ast.Expr) (group, resource string, ok bool) {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return "", "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", "", false
	}
	inner, ok := sel.X.(*ast.CallExpr)
	if !ok || len(inner.Args) != 0 {
		return "", "", false
	}
	isel, ok := inner.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", "", false
	}
	m := groupMethod.FindStringSubmatch(isel.Sel.Name)
	if m == nil {
		return "", "", false
	}
	g, known := apiGroup(m[1])
	if !known {
		s.errs = append(s.errs, fmt.Sprintf("%s: unknown client-go group accessor %s(): add it to apiGroup", s.fset.Position(inner.Pos()), isel.Sel.Name))
		return "", "", false
	}
	return g, strings.ToLower(sel.Sel.Name), true
}

// informerResource recognises factory.<Group>().<Version>().<Resources>()
// of a client-go informer factory.
func (s *scanner) informerResource(e ast.Expr) (group, resource string, ok bool) {
	res, ok := e.(*ast.CallExpr)
	if !ok || len(res.Args) != 0 {
		return "", "", false
	}
	rsel, ok := res.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", "", false
	}
	ver, ok := rsel.X.(*ast.CallExpr)
	if !ok || len(ver.Args) != 0 {
		return "", "", false
	}
	vsel, ok := ver.Fun.(*ast.SelectorExpr)
	if !ok || !informerVersion.MatchString(vsel.Sel.Name) {
		return "", "", false
	}
	grp, ok := vsel.X.(*ast.CallExpr)
	if !ok || len(grp.Args) != 0 {
		return "", "", false
	}
	gsel, ok := grp.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", "", false
	}
	g, known := apiGroup(gsel.Sel.Name)
	if !known {
		return "", "", false
	}
	return g, strings.ToLower(rsel.Sel.Name), true
}

var informerVersion = regexp.MustCompile(`^V\d+((alpha|beta)\d+)?$`)

// dynamicResource recognises dc.Resource(gvr) and dc.Resource(gvr).Namespace(ns).
func dynamicResource(e ast.Expr) (ast.Expr, bool) {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return nil, false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, false
	}
	if sel.Sel.Name == "Namespace" && len(call.Args) == 1 {
		return dynamicResource(sel.X)
	}
	if sel.Sel.Name == "Resource" && len(call.Args) == 1 {
		return call.Args[0], true
	}
	return nil, false
}

func (s *scanner) dynamic(sf srcFile, fd *ast.FuncDecl, fn string, params map[string]int, arg ast.Expr, verb, sub string, at token.Pos) {
	if id, ok := arg.(*ast.Ident); ok {
		if i, ok := params[id.Name]; ok {
			s.deferred = append(s.deferred, deferredGVR{dir: sf.dir, fn: fn, fnName: fd.Name.Name, param: i, verb: verb, sub: sub, pos: s.fset.Position(at).String()})
			return
		}
	}
	g, r, ok := s.resolveGVR(sf, arg)
	if !ok {
		s.errs = append(s.errs, fmt.Sprintf("%s: dynamic client resource %s not resolvable from the source", s.fset.Position(at), fmt.Sprint(arg)))
		return
	}
	s.addKube(fn, g, r, verb, sub, at)
}

func (s *scanner) resolveGVR(sf srcFile, e ast.Expr) (string, string, bool) {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		pkg, ok := e.X.(*ast.Ident)
		if !ok {
			return "", "", false
		}
		path := sf.imports[pkg.Name]
		if !strings.HasPrefix(path, modPath) {
			return "", "", false
		}
		gr, ok := s.gvrs[strings.TrimPrefix(path, modPath)+"."+e.Sel.Name]
		return gr[0], gr[1], ok
	case *ast.Ident:
		gr, ok := s.gvrs[sf.dir+"."+e.Name]
		return gr[0], gr[1], ok
	}
	return s.literalGVR(sf, e, nil)
}

// resolveDeferred resolves a GVR parameter from every call of its function
// in the same package.
func (s *scanner) resolveDeferred() {
	for _, d := range s.deferred {
		n := 0
		for _, sf := range s.files {
			if sf.dir != d.dir {
				continue
			}
			ast.Inspect(sf.file, func(x ast.Node) bool {
				call, ok := x.(*ast.CallExpr)
				if !ok {
					return true
				}
				id, ok := call.Fun.(*ast.Ident)
				if !ok || id.Name != d.fnName || d.param >= len(call.Args) {
					return true
				}
				g, r, ok := s.resolveGVR(sf, call.Args[d.param])
				if !ok {
					s.errs = append(s.errs, fmt.Sprintf("%s: GVR argument %s of %s not resolvable", s.fset.Position(call.Pos()), fmt.Sprint(call.Args[d.param]), d.fnName))
					return true
				}
				n++
				res := r
				if d.sub != "" {
					res += "/" + d.sub
				}
				s.out = append(s.out, found{fn: d.fn, perm: "kube " + KubeRule{g, res, d.verb}.String(), pos: d.pos})
				return true
			})
		}
		if n == 0 {
			s.errs = append(s.errs, fmt.Sprintf("%s: %s takes its GVR as a parameter but no call in its package passes one", d.pos, d.fnName))
		}
	}
}

// callSites parses the module and returns function → permission → positions.
func callSites(t *testing.T) map[string]map[string][]string {
	t.Helper()
	s := parseTree(t, filepath.Join("..", ".."))
	if len(s.files) < 20 {
		t.Fatalf("parsed only %d files: wrong root?", len(s.files))
	}
	s.collectDecls()
	if len(s.awsOps) == 0 {
		t.Fatal("found no AWS client interface (lbctl/awsapi.ELBv2API): the parser is broken")
	}
	s.walk()
	for _, e := range s.errs {
		t.Error(e)
	}
	got := map[string]map[string][]string{}
	for _, f := range s.out {
		if got[f.fn] == nil {
			got[f.fn] = map[string][]string{}
		}
		got[f.fn][f.perm] = append(got[f.fn][f.perm], f.pos)
	}
	return got
}

func registered() map[string]map[string]bool {
	want := map[string]map[string]bool{}
	for _, src := range Sources() {
		if want[src.Func] == nil {
			want[src.Func] = map[string]bool{}
		}
		for _, a := range src.AWS {
			want[src.Func]["aws "+a] = true
		}
		for _, k := range src.Kube {
			want[src.Func]["kube "+k.String()] = true
		}
	}
	return want
}

// TestRegistryMatchesCallSites is the point of the package: every AWS action
// and Kubernetes verb the code calls is registered, under the function that
// calls it, and nothing else is.
func TestRegistryMatchesCallSites(t *testing.T) {
	got := callSites(t)
	want := registered()
	var missing, extra []string
	for fn, perms := range got {
		for p, pos := range perms {
			if !want[fn][p] {
				missing = append(missing, fmt.Sprintf("%s: %s calls %s (add it to Sources)", pos[0], fn, p))
			}
		}
	}
	for fn, perms := range want {
		for p := range perms {
			if _, ok := got[fn][p]; !ok {
				extra = append(extra, fmt.Sprintf("%s %s is registered but no call site was found", fn, p))
			}
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, m := range missing {
		t.Error("missing: " + m)
	}
	for _, e := range extra {
		t.Error("extra: " + e)
	}
}

// TestRegistrySane checks what the parser cannot: every source names known
// commands, and local sources are only the sandbox's.
func TestRegistrySane(t *testing.T) {
	for _, s := range Sources() {
		if len(s.Commands) == 0 {
			t.Errorf("%s: no commands", s.Func)
		}
		for _, c := range s.Commands {
			if c == Sandbox != s.Local {
				t.Errorf("%s: sandbox sources and only they are Local", s.Func)
			}
			if _, err := ParseCommand(string(c)); err != nil && c != Sandbox {
				t.Errorf("%s: %v", s.Func, err)
			}
		}
		for _, a := range s.AWS {
			if !strings.Contains(a, ":") {
				t.Errorf("%s: AWS action %q has no service prefix", s.Func, a)
			}
		}
	}
	if got := AWSActions([]Command{Scan}); len(got) == 0 {
		t.Error("scan needs no AWS action?")
	}
}

// TestRBACNoSecrets: no code path reads Secrets — not in the registry, and
// no call site the parser finds. The one use of Secrets is loadtest
// --workers': it creates the Secret of its targets' secret headers and
// deletes it, nothing else.
func TestRBACNoSecrets(t *testing.T) {
	writes := map[string]bool{"create": true, "delete": true}
	for fn, perms := range callSites(t) {
		for p, pos := range perms {
			if !strings.Contains(p, "/secrets") {
				continue
			}
			_, verb, _ := strings.Cut(p, ":")
			if !writes[verb] || !strings.HasPrefix(fn, "loadtest/distributed.") {
				t.Errorf("%s: %s calls %s: lbctl must never read Secrets", pos[0], fn, p)
			}
		}
	}
	for _, s := range Sources() {
		for _, k := range s.Kube {
			if k.Resource == "*" || strings.HasPrefix(k.Resource, "secrets/") ||
				k.Resource == "secrets" && (!writes[k.Verb] || s.Feature != FeatureWorkers) {
				t.Errorf("%s: registry grants %s", s.Func, k)
			}
		}
	}
	for _, c := range Commands() {
		for _, k := range KubeRules([]Command{c}) {
			if k.Resource == "secrets" && !writes[k.Verb] {
				t.Errorf("%s needs secrets %s", c, k.Verb)
			}
		}
	}
}

// TestRegistryScannerFindsCalls runs the parser over a made-up tree to show
// it sees the shapes of call it must: a Secrets get, a held interface, a
// dynamic call through a parameter, a Route53 call with its input in a
// variable and a paginator.
func TestRegistryScannerFindsCalls(t *testing.T) {
	root := t.TempDir()
	src := `package x

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var jobs = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}

type R53 interface {
	ChangeResourceRecordSets(context.Context, *route53.ChangeResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error)
}

func Leak(ctx context.Context, kc K, dc D, r R53, in *route53.ChangeResourceRecordSetsInput) {
	kc.CoreV1().Secrets("ns").Get(ctx, "s", opts)
	pods := kc.CoreV1().Pods("ns")
	pods.Delete(ctx, "p", opts)
	kc.AppsV1().Deployments("ns").ApplyStatus(ctx, nil, opts)
	r.ChangeResourceRecordSets(ctx, in)
	_ = sts.NewListRolesPaginator(nil, nil)
	del(ctx, dc, jobs)
	_ = f.Networking().V1().Ingresses().Informer()
	_ = df.ForResource(jobs).Informer()
}

func del(ctx context.Context, dc D, gvr schema.GroupVersionResource) {
	dc.Resource(gvr).Namespace("ns").DeleteCollection(ctx, opts, lopts)
}
`
	if err := os.MkdirAll(filepath.Join(root, "cmd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "cmd", "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s := parseTree(t, root)
	s.collectDecls()
	s.walk()
	for _, e := range s.errs {
		t.Error(e)
	}
	got := map[string]bool{}
	for _, f := range s.out {
		got[f.fn+" "+f.perm] = true
	}
	for _, w := range []string{
		"cmd.Leak kube core/secrets:get",
		"cmd.Leak kube core/pods:delete",
		"cmd.Leak kube apps/deployments/status:patch",
		"cmd.Leak aws route53:ChangeResourceRecordSets",
		"cmd.Leak aws sts:ListRoles",
		"cmd.del kube batch/jobs:deletecollection",
		"cmd.Leak kube networking.k8s.io/ingresses:list",
		"cmd.Leak kube networking.k8s.io/ingresses:watch",
		"cmd.Leak kube batch/jobs:list",
		"cmd.Leak kube batch/jobs:watch",
	} {
		if !got[w] {
			t.Errorf("parser missed %s; found %v", w, got)
		}
	}
	if len(got) != 10 {
		t.Errorf("found %d permissions, want 10: %v", len(got), got)
	}
}
