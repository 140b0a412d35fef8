# lbctl's image: kubectl-lbctl on distroless, as the non-root user. The
# workers of `kubectl lbctl loadtest run --workers N` run it
# (/kubectl-lbctl loadtest worker).
#   docker build -t ghcr.io/lbctl/lbctl:dev .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/lbctl/lbctl/lbctl/buildinfo.Version=${VERSION}" \
      -o /kubectl-lbctl ./cmd/kubectl-lbctl

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /kubectl-lbctl /kubectl-lbctl
USER 65532:65532
ENTRYPOINT ["/kubectl-lbctl"]
