// Command app is the application of cattletest's example: it says which
// version answered (APP_VERSION) in its body and, so that scenarios can
// count answers by version, in the X-Demo-Version header.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	version := os.Getenv("APP_VERSION")
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Demo-Version", version)
		fmt.Fprintf(w, "hello from %s\n", version)
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}
