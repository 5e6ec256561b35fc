// Command genwindows generates the Windows-to-IANA time-zone table of
// package tz from CLDR's supplemental windowsZones.xml.
//
// Usage (normally through go generate in server/tz):
//
//	go run ./internal/genwindows -in /usr/share/unicode/cldr/common/supplemental/windowsZones.xml -out windows_table.go
//
// On Debian the input file comes from the unicode-cldr-core package.
//
// For every Windows zone ID ("other" attribute) the generator keeps the
// mapping for territory "001", which CLDR defines as the default (golden)
// zone for that ID. The XML comment that precedes each group of mapZone
// elements is the Windows display name (for example
// "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"); it is
// kept too so that Outlook-style display names can be resolved as a
// fallback. The generator fails if any Windows ID lacks a "001" mapping,
// has two of them, or is not plain ASCII, so the table always covers the
// whole file.
package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	in := flag.String("in", "", "path of CLDR windowsZones.xml")
	out := flag.String("out", "", "path of the Go file to write")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: genwindows -in windowsZones.xml -out windows_table.go")
		os.Exit(2)
	}
	src, err := os.ReadFile(*in)
	if err != nil {
		fatal(err)
	}
	code, err := generate(src, filepath.Base(*in))
	if err != nil {
		fatal(fmt.Errorf("%s: %w", *in, err))
	}
	if err := os.WriteFile(*out, code, 0o644); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "genwindows:", err)
	os.Exit(1)
}

// zone is one generated table row.
type zone struct {
	windows string // Windows time-zone ID, e.g. "W. Europe Standard Time"
	iana    string // IANA name for territory 001, e.g. "Europe/Berlin"
	display string // Windows display name taken from the XML comment
}

// parsed is what generate extracts from the XML file.
type parsed struct {
	otherVersion string
	typeVersion  string
	zones        []zone
}

func parse(src []byte) (*parsed, error) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.Strict = true
	p := &parsed{}
	var (
		lastComment string
		seen        = map[string]bool{}   // every Windows ID in the file
		golden      = map[string]*zone{}  // Windows ID -> territory 001 row
		display     = map[string]string{} // Windows ID -> display name
		sawMap      bool
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Comment:
			lastComment = strings.TrimSpace(string(t))
		case xml.StartElement:
			switch t.Name.Local {
			case "mapTimezones":
				sawMap = true
				p.otherVersion = attr(t, "otherVersion")
				p.typeVersion = attr(t, "typeVersion")
			case "mapZone":
				other, territory, typ := attr(t, "other"), attr(t, "territory"), attr(t, "type")
				if other == "" || territory == "" || typ == "" {
					return nil, fmt.Errorf("mapZone with missing attribute: other=%q territory=%q type=%q", other, territory, typ)
				}
				if !isASCII(other) {
					return nil, fmt.Errorf("non-ASCII Windows zone ID %q", other)
				}
				seen[other] = true
				if _, ok := display[other]; !ok && strings.HasPrefix(lastComment, "(UTC") {
					display[other] = lastComment
				}
				if territory != "001" {
					continue
				}
				if golden[other] != nil {
					return nil, fmt.Errorf("two territory 001 mappings for %q", other)
				}
				// The type attribute is a space-separated list of IANA
				// names; for 001 CLDR lists exactly one.
				fields := strings.Fields(typ)
				if len(fields) != 1 {
					return nil, fmt.Errorf("territory 001 mapping for %q has %d zones: %q", other, len(fields), typ)
				}
				golden[other] = &zone{windows: other, iana: fields[0]}
			}
		}
	}
	if !sawMap {
		return nil, errors.New("no mapTimezones element")
	}
	for other := range seen {
		z := golden[other]
		if z == nil {
			return nil, fmt.Errorf("windows zone %q has no territory 001 mapping", other)
		}
		z.display = display[other]
		p.zones = append(p.zones, *z)
	}
	if len(p.zones) == 0 {
		return nil, errors.New("no mapZone elements")
	}
	// Sorted by the ASCII-lower-cased Windows ID: the runtime looks names
	// up case-insensitively by binary search over this order.
	sort.Slice(p.zones, func(i, j int) bool {
		a, b := strings.ToLower(p.zones[i].windows), strings.ToLower(p.zones[j].windows)
		if a != b {
			return a < b
		}
		return p.zones[i].windows < p.zones[j].windows
	})
	for i := 1; i < len(p.zones); i++ {
		if strings.EqualFold(p.zones[i-1].windows, p.zones[i].windows) {
			return nil, fmt.Errorf("windows zone IDs %q and %q differ only in case", p.zones[i-1].windows, p.zones[i].windows)
		}
	}
	return p, nil
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// generate returns the gofmt'd Go source of windows_table.go.
func generate(src []byte, inName string) ([]byte, error) {
	p, err := parse(src)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by genwindows from CLDR %s; DO NOT EDIT.\n\n", inName)
	b.WriteString("package tz\n\n")
	b.WriteString("// Versions recorded in the mapTimezones element of the CLDR file the table\n")
	b.WriteString("// was generated from: the Windows time-zone data version and the IANA tzdata\n")
	b.WriteString("// version its names were checked against.\n")
	b.WriteString("const (\n")
	fmt.Fprintf(&b, "\tcldrWindowsOtherVersion = %q\n", p.otherVersion)
	fmt.Fprintf(&b, "\tcldrWindowsTypeVersion = %q\n", p.typeVersion)
	b.WriteString(")\n\n")
	fmt.Fprintf(&b, "// windowsZones holds the %d Windows time-zone IDs of CLDR with the IANA\n", len(p.zones))
	b.WriteString("// zone CLDR maps each to for territory \"001\" (the default), and the Windows\n")
	b.WriteString("// display name. Sorted by ASCII-lower-cased Windows ID for binary search.\n")
	b.WriteString("var windowsZones = [...]windowsZone{\n")
	for _, z := range p.zones {
		fmt.Fprintf(&b, "\t{%q, %q, %q},\n", z.windows, z.iana, z.display)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
