package cmd

import (
	"os"
	"testing"

	"github.com/lbctl/lbctl/lbctl/kube/kubetest"
)

// env is the real kube-apiserver + etcd the integration tests share.
var env *kubetest.Env

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &env)) }
