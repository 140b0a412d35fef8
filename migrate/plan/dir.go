package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
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

// CheckDir refuses a directory WriteDir must not replace: a file, or a
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
		return usageErr(fmt.Sprintf("--out-dir %s is not empty and holds no plan.json", dir), "choose a new or empty directory (lbctl replaces it as a whole)")
	}
	return nil
}

// WriteDir makes dir hold exactly files (paths relative to it, slash
// separated), replacing an earlier plan as a whole. It writes into a fresh
// sibling directory and swaps that in, so a failure leaves dir as it was:
// never a partial plan, never an old manifest beside a new plan.json.
func WriteDir(dir string, files []File) (err error) {
	if err := CheckDir(dir); err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("write plan to %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("write plan to %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	for _, f := range files {
		path := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write plan to %s: %w", dir, err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return fmt.Errorf("write plan file %s: %w", f.Path, err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write plan to %s: %w", dir, err)
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("replace %s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return fmt.Errorf("replace %s: %w", dir, err)
	}
	if old != "" {
		_ = os.RemoveAll(old)
	}
	return nil
}

// ReadDir reads back a plan directory: path is the directory or its plan
// file. It checks the plan's apiVersion and kind and reads every manifest a
// step names, so a run never starts on half a plan. Every error is a usage
// error (exitcode.ErrUsage) that says how to get a whole plan.
func ReadDir(path string) (*Dir, error) {
	dir, file := path, filepath.Join(path, planFile)
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		dir, file = filepath.Dir(path), path
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, usageErr(fmt.Sprintf("cannot read the plan %s: %v", file, errors.Unwrap(err)), "pass the directory "+buildinfo.Command()+" plan --out-dir wrote")
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
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(st.Manifest)))
			if err != nil {
				return nil, usageErr(fmt.Sprintf("the plan's manifest %s is missing in %s", st.Manifest, dir), "pass the whole directory "+buildinfo.Command()+" plan --out-dir wrote")
			}
			files[st.Manifest] = data
		}
	}
	return &Dir{Path: dir, Plan: &p, Files: files}, nil
}

func usageErr(msg, hint string) error {
	return exitcode.New(exitcode.Usage, msg, hint, exitcode.ErrUsage)
}
