package bake

import (
	"archive/tar"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func parseMode(s string) (fs.FileMode, error) {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, strconv.ErrSyntax
	}
	return fs.FileMode(m), nil
}

// rootfsTar streams a root filesystem as a tar: a tar file as it is, a
// folder written as one (symlinks kept as links).
func rootfsTar(p string) (io.ReadCloser, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return os.Open(p)
	}
	return streamTar(func(tw *tar.Writer) error { return addTree(tw, p, "") }), nil
}

// uploadTar is a file step's content as a tar to extract at /: the
// destination's parents that are missing are made by the engine.
func uploadTar(f *FileUpload) (io.ReadCloser, error) {
	dest := strings.TrimPrefix(filepath.ToSlash(filepath.Clean(f.Destination)), "/")
	mode := fs.FileMode(0o644)
	if f.Mode != "" {
		mode, _ = parseMode(f.Mode)
	}
	if f.Source == "" {
		return streamTar(func(tw *tar.Writer) error {
			return writeFile(tw, dest, mode, int64(len(f.Content)), strings.NewReader(f.Content))
		}), nil
	}
	info, err := os.Stat(f.Source)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return streamTar(func(tw *tar.Writer) error { return addTree(tw, f.Source, dest) }), nil
	}
	if f.Mode == "" {
		mode = info.Mode().Perm()
	}
	return streamTar(func(tw *tar.Writer) error {
		src, err := os.Open(f.Source)
		if err != nil {
			return err
		}
		defer src.Close()
		return writeFile(tw, dest, mode, info.Size(), src)
	}), nil
}

func streamTar(write func(*tar.Writer) error) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := write(tw)
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

func writeFile(tw *tar.Writer, name string, mode fs.FileMode, size int64, r io.Reader) error {
	h := &tar.Header{Name: name, Mode: int64(mode), Size: size, Typeflag: tar.TypeReg, ModTime: time.Now()}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := io.CopyN(tw, r, size)
	return err
}

// addTree writes the folder root into the tar under prefix.
func addTree(tw *tar.Writer, root, prefix string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(filepath.Join(prefix, rel))
		if name == "." || name == "" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		h.Name = name
		if info.IsDir() {
			h.Name += "/"
		}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "root", "root"
		if err := tw.WriteHeader(h); err != nil || !info.Mode().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
}
