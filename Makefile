# lbctl — build, test and generate. CI (.ci/run) runs `make test`, then `make release-check`.
GO          ?= go
BIN         := $(CURDIR)/bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
CONTROLLER_GEN := $(BIN)/controller-gen
CONTROLLER_GEN_VERSION := v0.23.0
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT      ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
LDFLAGS     := -X github.com/lbctl/lbctl/lbctl/buildinfo.Version=$(VERSION) \
               -X github.com/lbctl/lbctl/lbctl/buildinfo.Commit=$(COMMIT) \
               -X github.com/lbctl/lbctl/lbctl/buildinfo.Date=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)

.PHONY: all build test unit lint vet envtest tools generate bench clean conformance fuzz

all: build

## build: the kubectl-lbctl binary in the repository root
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o kubectl-lbctl ./cmd/kubectl-lbctl

## test: install what is missing, then vet, lint, and run unit + integration tests with -race
test: tools envtest vet lint
	KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" $(GO) test -race -count=1 -timeout 45m ./...

## unit: tests only, no tool installs (integration tests skip without the API server)
unit:
	$(GO) test -race ./...

## conformance: render every case of ../shared/lbc-conformance (or $$LBC_CONFORMANCE) and compare with what the real controller v3.5.0 built
conformance: build
	hack/conformance.sh ./kubectl-lbctl

vet:
	$(GO) vet ./...

FUZZTIME ?= 10s
# package:target, for the parsers of what users and servers hand lbctl
FUZZ_TARGETS := ./loadtest:FuzzParseThreshold ./loadtest:FuzzReadTargetsHTTP ./loadtest:FuzzReadTargetsJSON \
	./loadtest:FuzzReadRun ./loadtest:FuzzMergeRuns ./lbctl/kube:FuzzReadManifests ./migrate/plan:FuzzReadDir \
	./migrate/plan:FuzzWriteYAML ./migrate/plan:FuzzPlanFiles ./tui/healthview:FuzzParseKeyMap

## fuzz: run each fuzz target (thresholds, target files, RUN.json and merge, manifests, plan.json and its directory, the YAML writer's round trip, the keymap) for FUZZTIME (10s) each; a crasher lands in the package's testdata/fuzz
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; f=$${t##*:}; \
		echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

lint: $(STATICCHECK)
	$(STATICCHECK) ./...

## envtest: build kube-apiserver and kubectl once (cached outside the repo) and find etcd
envtest:
	@hack/envtest-assets.sh >/dev/null

tools: $(STATICCHECK)

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(CONTROLLER_GEN):
	GOBIN=$(BIN) $(GO) install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)

## generate: deepcopy functions and CRD manifests from lbctl/kube/elbv2/v1beta1
generate: $(CONTROLLER_GEN)
	$(CONTROLLER_GEN) object paths=./lbctl/kube/elbv2/...
	$(CONTROLLER_GEN) crd paths=./lbctl/kube/elbv2/... output:crd:dir=./lbctl/kube/crds

clean:
	rm -rf bin kubectl-lbctl

.PHONY: completions docs schemas release-check release-snapshot

## schemas: regenerate docs/schemas (JSON Schemas of ScanReport, MigrationPlan and RUN.json) from the Go types
schemas:
	$(GO) generate ./hack/schemas

## completions: regenerate completions/ (shell scripts and the kubectl shim) from the built binary
completions: build
	@mkdir -p completions
	./kubectl-lbctl completion bash > completions/kubectl-lbctl.bash
	./kubectl-lbctl completion zsh > completions/kubectl-lbctl.zsh
	./kubectl-lbctl completion fish > completions/kubectl-lbctl.fish
	./kubectl-lbctl completion powershell > completions/kubectl-lbctl.ps1
	./kubectl-lbctl completion kubectl-shim > completions/kubectl_complete-lbctl
	chmod 0755 completions/kubectl_complete-lbctl

## docs: regenerate the Markdown command reference in docs/reference
docs: build
	./kubectl-lbctl docs --dir docs/reference

GORELEASER_VERSION := v2.15.0
# Built once per version from the Go module proxy into the cache outside the
# repository (as hack/envtest-assets.sh does with kube-apiserver), so a clean
# checkout in CI reuses it: about 6 minutes to build, then nothing.
LBCTL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/lbctl
GORELEASER  := $(LBCTL_CACHE)/tools/goreleaser-$(GORELEASER_VERSION)/goreleaser

$(GORELEASER):
	@echo "building goreleaser $(GORELEASER_VERSION) into $(@D) (first time only, several minutes)" >&2
	GOBIN=$(@D) $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)

## release-check: goreleaser check + a snapshot release for this platform only: archive, checksum and krew manifest checked, the archive's binary run (CI runs it after make test)
release-check: $(GORELEASER)
	hack/release/check-host.sh $(GORELEASER)

## release-snapshot: goreleaser check + snapshot archives for all six platforms in dist/, plugins/lbctl.yaml copied from goreleaser's dist/krew/, the linux/amd64 archive's binary run, the manifest test (slow; not in CI)
release-snapshot: $(GORELEASER)
	$(GORELEASER) check
	$(GORELEASER) release --snapshot --clean --skip=publish --timeout 2h
	cp dist/krew/lbctl.yaml plugins/lbctl.yaml
	hack/release/run-snapshot-binary.sh dist
	$(GO) test -count=1 ./plugins/
