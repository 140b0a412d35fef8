package kube

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadManifestsFromURL: -f with an http(s) URL is fetched by lbctl
// under the file size limit; an answer that is not 200 fails naming the URL.
func TestReadManifestsFromURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/app.yaml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n"))
	}))
	defer srv.Close()
	objs, err := ReadManifests(Manifests{Files: []string{srv.URL + "/app.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Services) != 1 || objs.Services[0].Name != "web" {
		t.Errorf("services %+v", objs.Services)
	}
	_, err = ReadManifests(Manifests{Files: []string{srv.URL + "/gone.yaml"}})
	if err == nil || !strings.Contains(err.Error(), "/gone.yaml") || !strings.Contains(err.Error(), "404") {
		t.Errorf("a 404: %v", err)
	}
}
