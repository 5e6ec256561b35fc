package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded file.
type asset struct {
	name   string // kiosk.css
	hashed string // kiosk.0123456789.css
	ctype  string
	etag   string
	data   []byte
}

var (
	assets      = map[string]*asset{} // by plain and by hashed name
	assetByName = map[string]*asset{} // by plain name only
)

var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

func init() {
	ents, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		data, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		ext := path.Ext(e.Name())
		ct, ok := contentTypes[ext]
		if !ok {
			panic("web: no content type for static/" + e.Name())
		}
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:5])
		a := &asset{
			name:   e.Name(),
			hashed: strings.TrimSuffix(e.Name(), ext) + "." + h + ext,
			ctype:  ct,
			etag:   `"` + hex.EncodeToString(sum[:12]) + `"`,
			data:   data,
		}
		assets[a.name], assets[a.hashed], assetByName[a.name] = a, a, a
	}
}

// AssetPath is the URL of an embedded asset ("kiosk.css"), with its content
// hash in the name: "/static/kiosk.3fa2b1c0d4.css". It returns
// "/static/"+name for an unknown name.
func AssetPath(name string) string {
	if a, ok := assetByName[name]; ok {
		return "/static/" + a.hashed
	}
	return "/static/" + name
}

// Static serves the embedded assets: kiosk.css, kiosk.js and favicon.svg.
// Mount it at /static/ (with or without http.StripPrefix). Each file is
// served under its plain name and under its hashed name (see AssetPath):
// hashed names are cached for a year as immutable, plain names are
// revalidated on every use. Both carry a strong ETag and answer
// If-None-Match with 304. Unknown names get 404, methods other than GET and
// HEAD get 405.
func Static() http.Handler {
	return http.HandlerFunc(serveStatic)
}

func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	name = strings.TrimPrefix(name, "static/")
	a, ok := assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if name == a.hashed {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.data))
}
