package awsapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/cattle-dev/cattle/images"
)

// ImageID is the AMI id of a registry image: derived from its repository
// and manifest digest, so the same image has the same id after a restart.
func ImageID(repository, digest string) string {
	sum := sha256.Sum256([]byte(repository + "@" + digest))
	return "ami-" + hex.EncodeToString(sum[:])[:17]
}

// imageByID finds the catalog image with AMI id id (deprecated ones too).
func (b *Backend) imageByID(ctx context.Context, id string) (images.Image, error) {
	all, err := b.Images.List(ctx, true)
	if err != nil {
		return images.Image{}, err
	}
	for _, img := range all {
		if img.Digest != "" && ImageID(img.Repository, img.Digest) == id {
			return img, nil
		}
	}
	return images.Image{}, Errorf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
}

// imageRef turns an ImageId into the reference a template holds: an AMI
// id names a registry image; anything else is taken as a cattle image
// reference (builtin/demo, web:v2).
func (b *Backend) imageRef(ctx context.Context, imageID string) (string, error) {
	if !strings.HasPrefix(imageID, "ami-") {
		return imageID, nil
	}
	img, err := b.imageByID(ctx, imageID)
	if err != nil {
		return "", err
	}
	return img.Repository + "@" + img.Digest, nil
}

type ec2Image struct {
	ImageID      string   `xml:"imageId"`
	Location     string   `xml:"imageLocation"`
	State        string   `xml:"imageState"`
	OwnerID      string   `xml:"imageOwnerId"`
	CreationDate string   `xml:"creationDate"`
	Public       bool     `xml:"isPublic"`
	Arch         string   `xml:"architecture"`
	Type         string   `xml:"imageType"`
	Name         string   `xml:"name"`
	Description  string   `xml:"description"`
	RootDevType  string   `xml:"rootDeviceType"`
	Virt         string   `xml:"virtualizationType"`
	Hypervisor   string   `xml:"hypervisor"`
	Deprecation  string   `xml:"deprecationTime,omitempty"`
	Tags         []ec2Tag `xml:"tagSet>item"`
}

func toEC2Image(img images.Image) ec2Image {
	name := img.Repository
	if len(img.Tags) > 0 {
		name += ":" + img.Tags[0]
	}
	out := ec2Image{ImageID: ImageID(img.Repository, img.Digest), Location: img.Repository + "@" + img.Digest,
		State: "available", OwnerID: Account, CreationDate: ec2Time(img.PushedAt), Arch: "x86_64", Type: "machine",
		Name: name, Description: "registry image " + img.Repository + "@" + img.Digest, RootDevType: "ebs",
		Virt: "hvm", Hypervisor: "xen", Tags: []ec2Tag{{"cattle:repository", img.Repository}}}
	if len(img.Tags) > 0 {
		out.Tags = append(out.Tags, ec2Tag{"cattle:tags", strings.Join(img.Tags, ",")})
	}
	if img.Deprecated {
		out.Deprecation = ec2Time(img.PushedAt)
	}
	return out
}

func describeImages(ctx context.Context, r *Request) (any, error) {
	ids := r.Params.List("ImageId")
	for _, id := range ids {
		if _, err := r.imageByID(ctx, id); err != nil {
			return nil, err
		}
	}
	owners := r.Params.List("Owner")
	for _, o := range owners {
		if o != "self" && o != Account && o != "amazon" {
			return nil, r.Params.Invalid("Owner", o, "self or "+Account)
		}
	}
	dep, err := r.Params.Bool("IncludeDeprecated", false)
	if err != nil {
		return nil, err
	}
	all, err := r.Images.List(ctx, true)
	if err != nil {
		return nil, err
	}
	f := r.Params.filters()
	var out struct {
		Images []ec2Image `xml:"imagesSet>item"`
	}
	for _, img := range all {
		if img.Digest == "" || img.State != images.StateAvailable || (img.Deprecated && !dep && len(ids) == 0) {
			continue
		}
		e := toEC2Image(img)
		if oneOf(e.ImageID, ids) && f.match("image-id", e.ImageID) && f.match("name", e.Name) && f.match("state", e.State) &&
			f.match("owner-id", Account) && f.matchTags(map[string]string{"cattle:repository": img.Repository}) {
			out.Images = append(out.Images, e)
		}
	}
	return out, nil
}
