package scenarios

import "testing"

func TestScenariosLoad(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			objs, err := Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs.Ingresses) == 0 || len(objs.Deployments) != len(objs.Services) {
				t.Fatalf("%s: %d ingresses, %d deployments, %d services", name, len(objs.Ingresses), len(objs.Deployments), len(objs.Services))
			}
			if len(objs.Notes) > 0 {
				t.Errorf("notes: %+v", objs.Notes)
			}
		})
	}
	if _, err := Load("nope"); err == nil {
		t.Error("unknown scenario loaded")
	}
}
