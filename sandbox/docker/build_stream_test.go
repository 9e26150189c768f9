package docker

import (
	"strings"
	"testing"
)

func TestReadBuildStreamReturnsTheAuxImageID(t *testing.T) {
	stream := `{"stream":"Step 1/2 : FROM scratch\n"}
{"stream":" ---\u003e \n"}
{"aux":{"ID":"sha256:0123abcd"}}
{"stream":"Successfully built 0123abcd\n"}
`
	id, err := readBuildStream(strings.NewReader(stream))
	if err != nil || id != "sha256:0123abcd" {
		t.Fatalf("readBuildStream = %q, %v; want sha256:0123abcd", id, err)
	}
}

func TestReadBuildStreamFailsWithTheEngineMessage(t *testing.T) {
	stream := `{"stream":"Step 1/2 : FROM scratch\n"}
{"stream":"Step 2/2 : COPY nothere /x\n"}
{"errorDetail":{"message":"COPY failed: file not found in build context: stat nothere: file does not exist"},"error":"COPY failed: file not found in build context: stat nothere: file does not exist"}
`
	_, err := readBuildStream(strings.NewReader(stream))
	if err == nil || !strings.Contains(err.Error(), "COPY failed: file not found") || !strings.Contains(err.Error(), "Step 2/2") {
		t.Fatalf("err = %v, want the engine's message and the step", err)
	}
}

func TestReadBuildStreamAcceptsOldStyleError(t *testing.T) {
	_, err := readBuildStream(strings.NewReader(`{"error":"boom"}`))
	if err == nil || err.Error() != "boom" {
		t.Fatalf("err = %v, want boom", err)
	}
}

func TestReadBuildStreamRejectsGarbage(t *testing.T) {
	_, err := readBuildStream(strings.NewReader(`{"stream":"ok"}not json`))
	if err == nil || !strings.Contains(err.Error(), "build output") {
		t.Fatalf("err = %v, want a read error", err)
	}
}
