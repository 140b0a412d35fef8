package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/userfile"
)

// The plan directory is what a reviewer commits and what migrate runs: the
// files of Files under one directory, plan.json among them. WriteDir and
// ReadDir are its only writer and reader, so the command, the sandbox demo
// and the tests agree on its layout and on the errors a bad one gives.

// planFile is the plan's own file in the directory.
const planFile = "plan.json"

// Dir is a plan directory as ReadDir found it.
type Dir struct {
	// Path is the directory (the plan file's, when ReadDir was given a file).
	Path string
	Plan *Plan
	// Files are the manifests the plan's steps name, by Step.Manifest.
	Files map[string][]byte
}

// CheckDir refuses a directory WriteDir must not write into: a file, or a
// directory that is neither empty nor a plan lbctl wrote (it holds no
// plan.json). A missing directory is fine. The command calls it before it
// reads the cluster, so a bad --out-dir fails at once.
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return usageErr(fmt.Sprintf("--out-dir %s: %v", dir, err), "")
	}
	if !fi.IsDir() {
		return usageErr(fmt.Sprintf("--out-dir %s is a file", dir), "choose a new or empty directory")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return usageErr(fmt.Sprintf("--out-dir %s: %v", dir, err), "")
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, planFile)); err != nil {
		return usageErr(fmt.Sprintf("--out-dir %s is not empty and holds no plan.json", dir), "choose a new or empty directory, or an earlier plan's (lbctl replaces only the files it wrote there)")
	}
	return nil
}

// WriteDir writes files (paths relative to dir, slash separated) into dir
// and removes what the plan dir held before names as its own (its
// plan.json's manifests, their overlays and the backups) that files no
// longer hold. Every other file and directory stays — a journal.json, a
// REVIEW.md, a .git directory — and kept lists them, sorted, a directory
// with nothing of the plan's in it as one "name/" entry, so the caller can
// say what it left.
//
// Each file is first written beside its final path and renamed into place
// only once every file is written, plan.json last: a write that fails
// leaves dir as it was, and plan.json is never half written nor newer than
// the manifests it names.
func WriteDir(dir string, files []File) (kept []string, err error) {
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	dir = filepath.Clean(dir)
	owned, err := previousFiles(dir)
	if err != nil {
		return nil, err
	}
	ordered := make([]File, 0, len(files))
	var last []File
	for _, f := range files {
		if !localPath(f.Path) {
			return nil, fmt.Errorf("write plan to %s: file %q is not a path inside it", dir, f.Path)
		}
		if f.Path == planFile {
			last = append(last, f)
		} else {
			ordered = append(ordered, f)
		}
	}
	ordered = append(ordered, last...)

	var made []string // directories created, parents first
	temps := make([]string, 0, len(ordered))
	defer func() {
		if err == nil {
			return
		}
		for _, tmp := range temps {
			_ = os.Remove(tmp)
		}
		for i := len(made) - 1; i >= 0; i-- {
			_ = os.Remove(made[i]) // only when empty
		}
	}()
	for _, f := range ordered {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		created, err := mkdirs(filepath.Dir(path))
		made = append(made, created...)
		if err != nil {
			return nil, fmt.Errorf("write plan to %s: %w", dir, err)
		}
		tmp, err := writeTemp(path, f.Data)
		if err != nil {
			return nil, fmt.Errorf("write plan to %s: file %s: %w", dir, f.Path, err)
		}
		temps = append(temps, tmp)
	}
	for i, f := range ordered {
		if err := os.Rename(temps[i], filepath.Join(dir, filepath.FromSlash(f.Path))); err != nil {
			temps = temps[i:]
			return nil, fmt.Errorf("write plan to %s: file %s: %w", dir, f.Path, err)
		}
	}
	temps = nil

	written := map[string]bool{}
	for _, f := range files {
		written[path.Clean(f.Path)] = true
	}
	for p := range owned {
		if written[p] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("write plan to %s: remove the earlier plan's %s: %w", dir, p, err)
		}
		removeEmptyParents(dir, p)
	}
	return keptEntries(dir, "", written)
}

// previousFiles are the files the plan in dir (if any) wrote, by slash path:
// plan.json, each step's manifest with its kustomize overlay (the directory
// named after it: kustomization.yaml, patches/, resources/), and the
// backups. A plan.json that does not parse owns only itself.
func previousFiles(dir string) (map[string]bool, error) {
	owned := map[string]bool{planFile: true}
	b, err := userfile.Read(filepath.Join(dir, planFile), userfile.PlanLimit)
	if errors.Is(err, os.ErrNotExist) {
		return owned, nil
	}
	if err != nil {
		return nil, fmt.Errorf("write plan to %s: %w", dir, err)
	}
	var p Plan
	if json.Unmarshal(b, &p) != nil {
		return owned, nil
	}
	for _, name := range backupFiles {
		owned[name] = true
	}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if st.Manifest == "" || !localPath(st.Manifest) {
				continue
			}
			m := path.Clean(st.Manifest)
			owned[m] = true
			overlay := strings.TrimSuffix(m, ".yaml")
			owned[overlay+"/kustomization.yaml"] = true
			for _, sub := range []string{"patches", "resources"} {
				entries, _ := os.ReadDir(filepath.Join(dir, filepath.FromSlash(overlay), sub))
				for _, e := range entries {
					if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") {
						owned[overlay+"/"+sub+"/"+e.Name()] = true
					}
				}
			}
		}
	}
	return owned, nil
}

// backupFiles are the backups a plan writes beside its steps' manifests.
var backupFiles = []string{"backup/ingresses.yaml", "backup/services.yaml"}

// localPath says whether p (slash separated) names a path inside the plan
// directory.
func localPath(p string) bool {
	c := path.Clean(p)
	return p != "" && !path.IsAbs(c) && c != "." && c != ".." && !strings.HasPrefix(c, "../") && !filepath.IsAbs(filepath.FromSlash(c))
}

// mkdirs makes dir and its missing parents, returning those it created,
// parents first.
func mkdirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	var made []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return made, err
		}
		made = append(made, missing[i])
	}
	return made, nil
}

// writeTemp writes data to a new file beside path and returns its name.
func writeTemp(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// removeEmptyParents removes the directories of rel (slash path under dir)
// that the removal of rel left empty, deepest first.
func removeEmptyParents(dir, rel string) {
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		if os.Remove(filepath.Join(dir, filepath.FromSlash(d))) != nil {
			return
		}
	}
}

// keptEntries lists what under dir/rel the plan did not write: a file by
// its path, a directory holding nothing written as "path/".
func keptEntries(dir, rel string, written map[string]bool) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("write plan to %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		p := path.Join(rel, e.Name())
		if !e.IsDir() {
			if !written[p] {
				out = append(out, p)
			}
			continue
		}
		if !holdsWritten(p, written) {
			out = append(out, p+"/")
			continue
		}
		sub, err := keptEntries(dir, p, written)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

// holdsWritten says whether a written file lies under the directory rel.
func holdsWritten(rel string, written map[string]bool) bool {
	for p := range written {
		if strings.HasPrefix(p, rel+"/") {
			return true
		}
	}
	return false
}

// KeptNote words what WriteDir kept for a note on stderr ("" when nothing).
func KeptNote(kept []string) string {
	if len(kept) == 0 {
		return ""
	}
	what := "files"
	if len(kept) == 1 {
		what = "file"
	}
	return fmt.Sprintf("kept %d %s lbctl did not write: %s", len(kept), what, strings.Join(kept, ", "))
}

// ReadDir reads back a plan directory: path is the directory or its plan
// file. It checks the plan's apiVersion and kind and reads every manifest a
// step names, so a run never starts on half a plan. Every error is a usage
// error (exitcode.ErrUsage) that says how to get a whole plan. plan.json is
// read up to userfile.PlanLimit and each manifest up to
// userfile.ManifestLimit; a device or FIFO is refused, and so is a step
// manifest outside the directory.
func ReadDir(path string) (*Dir, error) {
	dir, file := path, filepath.Join(path, planFile)
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		dir, file = filepath.Dir(path), path
	}
	b, err := userfile.Read(file, userfile.PlanLimit)
	if err != nil {
		return nil, usageErr(fmt.Sprintf("cannot read the plan %s: %v", file, readReason(err)), "pass the directory "+buildinfo.Command()+" plan --out-dir wrote")
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, usageErr(fmt.Sprintf("the plan %s does not parse: %v", file, err), "write it again with "+buildinfo.Command()+" plan --out-dir")
	}
	if p.APIVersion != APIVersion || p.Kind != Kind {
		return nil, usageErr(fmt.Sprintf("%s is not a %s %s (apiVersion %q, kind %q)", file, APIVersion, Kind, p.APIVersion, p.Kind), "write it with "+buildinfo.Command()+" plan --out-dir")
	}
	files := map[string][]byte{}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if st.Manifest == "" {
				continue
			}
			if !localPath(st.Manifest) {
				return nil, usageErr(fmt.Sprintf("the plan %s names manifest %q, which is not a path inside %s", file, st.Manifest, dir), "write the plan again with "+buildinfo.Command()+" plan --out-dir")
			}
			data, err := userfile.Read(filepath.Join(dir, filepath.FromSlash(st.Manifest)), userfile.ManifestLimit)
			if errors.Is(err, os.ErrNotExist) {
				return nil, usageErr(fmt.Sprintf("the plan's manifest %s is missing in %s", st.Manifest, dir), "pass the whole directory "+buildinfo.Command()+" plan --out-dir wrote")
			}
			if err != nil {
				return nil, usageErr(fmt.Sprintf("cannot read the plan's manifest %s: %v", st.Manifest, readReason(err)), "pass the directory "+buildinfo.Command()+" plan --out-dir wrote")
			}
			files[st.Manifest] = data
		}
	}
	return &Dir{Path: dir, Plan: &p, Files: files}, nil
}

// readReason is why a read failed, without the path the message already
// names when the error carries it.
func readReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var ue *userfile.Error
	if errors.As(err, &ue) {
		return errors.New(ue.Reason)
	}
	return err
}

func usageErr(msg, hint string) error {
	return exitcode.New(exitcode.Usage, msg, hint, exitcode.ErrUsage)
}
