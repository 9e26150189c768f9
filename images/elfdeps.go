package images

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// runtimeFiles lists what a dynamically linked binary needs to start on a
// scratch image: its ELF interpreter and the shared libraries it and they
// need, found where the host's loader finds them. A static binary (the
// release builds, CGO_ENABLED=0) needs none; one from a plain `go install`
// on a machine with a C compiler links the C library, and the demo image
// carries it along rather than failing to start.
func runtimeFiles(binPath string) ([]string, error) {
	f, err := elf.Open(binPath)
	if err != nil {
		return nil, nil // not ELF: nothing to add (it will not run in a linux container either)
	}
	defer f.Close()
	interp := interpreter(f)
	if interp == "" {
		return nil, nil // static
	}
	files := []string{interp}
	dirs := libraryDirs()
	seen := map[string]bool{}
	queue, err := f.ImportedLibraries()
	if err != nil {
		return nil, err
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		path := findLibrary(name, dirs)
		if path == "" {
			return nil, fmt.Errorf("%s needs %s, which is not on this machine: build cattle with CGO_ENABLED=0", binPath, name)
		}
		files = append(files, path)
		if lib, err := elf.Open(path); err == nil {
			more, _ := lib.ImportedLibraries()
			lib.Close()
			queue = append(queue, more...)
		}
	}
	return files, nil
}

func interpreter(f *elf.File) string {
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err == nil {
				return strings.TrimRight(string(b), "\x00")
			}
		}
	}
	return ""
}

// libraryDirs are the loader's default directories and those of
// /etc/ld.so.conf.d.
func libraryDirs() []string {
	dirs := []string{"/lib64", "/usr/lib64", "/lib", "/usr/lib"}
	confs, _ := filepath.Glob("/etc/ld.so.conf.d/*.conf")
	var extra []string
	for _, c := range confs {
		fh, err := os.Open(c)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "/") {
				extra = append(extra, line)
			}
		}
		fh.Close()
	}
	return append(extra, dirs...)
}

func findLibrary(name string, dirs []string) string {
	if filepath.IsAbs(name) {
		return name
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}
