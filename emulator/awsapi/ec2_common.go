package awsapi

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ec2Tag is a tag as EC2 answers it (<tagSet><item><key>).
type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func ec2Tags(m map[string]string) []ec2Tag {
	out := make([]ec2Tag, 0, len(m))
	for k, v := range m {
		out = append(out, ec2Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// matchTags applies the tag:KEY and tag-key filters to a resource's tags.
func (f filters) matchTags(tags map[string]string) bool {
	for name, want := range f {
		if key, ok := strings.CutPrefix(name, "tag:"); ok {
			v, has := tags[key]
			if !has || !f.match(name, v) {
				return false
			}
		}
		if name == "tag-key" {
			found := false
			for k := range tags {
				found = found || oneOf(k, want)
			}
			if !found {
				return false
			}
		}
	}
	return true
}

// ec2Time is how EC2 writes a timestamp.
func ec2Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// page cuts n items to the page MaxResults and NextToken ask for (each
// page at most maxPage, at least minPage items); next is the token of the
// page after, "" on the last.
func (p Params) page(n, minPage, maxPage int) (start, end int, next string, err error) {
	limit, err := p.Int("MaxResults", maxPage)
	if err != nil {
		return 0, 0, "", err
	}
	if limit < minPage || limit > maxPage {
		return 0, 0, "", p.Invalid("MaxResults", strconv.Itoa(limit), "a number from "+strconv.Itoa(minPage)+" to "+strconv.Itoa(maxPage))
	}
	if tok := p.String("NextToken"); tok != "" {
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		s, ok := strings.CutPrefix(string(raw), "cattle-page:")
		start, err = strconv.Atoi(s)
		if !ok || err != nil || start < 0 || start > n {
			return 0, 0, "", Errorf("InvalidPaginationToken", "the NextToken %q is not one this endpoint gave: start again without it", tok)
		}
	}
	end = min(start+limit, n)
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("cattle-page:" + strconv.Itoa(end)))
	}
	return start, end, next, nil
}
