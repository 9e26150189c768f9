package awsapi

import (
	"context"
	"errors"
	"regexp"
	"strconv"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

func templateActions() []Action {
	const data = "LaunchTemplateData maps ImageId (an AMI id from DescribeImages, or a cattle image reference), " +
		"InstanceType, UserData (with #cattle:env/port/health lines for the environment, port and health path) " +
		"and instance TagSpecifications; its other fields are ignored"
	return []Action{
		{Name: "CreateLaunchTemplate", Handler: createLaunchTemplate, Note: data + "; tags on the template itself are not kept"},
		{Name: "CreateLaunchTemplateVersion", Handler: createLaunchTemplateVersion,
			Note: "SourceVersion copies the source's data and overrides what is given; without it the version holds only what is given. " + data},
		{Name: "DescribeLaunchTemplates", Handler: describeLaunchTemplates, Note: "filters: launch-template-name only"},
		{Name: "DescribeLaunchTemplateVersions", Handler: describeLaunchTemplateVersions,
			Note: "needs LaunchTemplateId or LaunchTemplateName; filters are ignored"},
		{Name: "ModifyLaunchTemplate", Handler: modifyLaunchTemplate, Note: "SetDefaultVersion only"},
		{Name: "DeleteLaunchTemplate", Handler: deleteLaunchTemplate,
			Note: "refused while an auto scaling group launches from it (AWS allows it)"},
	}
}

var templateIDPattern = regexp.MustCompile(`^lt-[0-9a-f]{17}$`)

// findTemplate finds the template p names by LaunchTemplateId or
// LaunchTemplateName (idKey and nameKey, as the action spells them).
func (r *Request) findTemplate(ctx context.Context, p Params, idKey, nameKey string) (compute.Template, error) {
	id, name := p.String(idKey), p.String(nameKey)
	switch {
	case id == "" && name == "":
		return compute.Template{}, Errorf("MissingParameter", "the request must name the launch template: %s or %s", p.pre+idKey, p.pre+nameKey)
	case id != "" && name != "":
		return compute.Template{}, Errorf("InvalidParameterCombination", "give %s or %s, not both", p.pre+idKey, p.pre+nameKey)
	case id != "" && !templateIDPattern.MatchString(id):
		return compute.Template{}, Errorf("InvalidLaunchTemplateId.Malformed", "The launch template ID '%s' is malformed: ids look like lt-0123456789abcdef0", id)
	}
	all, err := r.Compute.Templates(ctx)
	if err != nil {
		return compute.Template{}, err
	}
	for _, t := range all {
		if (id != "" && t.ID == id) || (name != "" && t.Name == name) {
			return t, nil
		}
	}
	if id != "" {
		return compute.Template{}, Errorf("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", id)
	}
	return compute.Template{}, Errorf("InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name %s, does not exist.", name)
}

// versionNotFound is AWS's error for a version a template lacks.
func versionNotFound(t compute.Template, version string, err error) error {
	if errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrInvalid) {
		return Errorf("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version %s of %s (%s): it has versions 1 to %d",
			version, t.Name, t.ID, t.LatestVersion)
	}
	return err
}

// templateData is base with what the LaunchTemplateData p gives over it.
func (r *Request) templateData(ctx context.Context, p Params, base compute.TemplateData) (compute.TemplateData, error) {
	data := base
	if id := p.String("ImageId"); id != "" {
		ref, err := r.imageRef(ctx, id)
		if err != nil {
			return data, err
		}
		data.Image = ref
	}
	if t := p.String("InstanceType"); t != "" {
		if _, err := compute.LookupInstanceType(t); err != nil {
			return data, Errorf("InvalidParameterValue", "Invalid value '%s' for InstanceType: %v", t, err)
		}
		data.InstanceType = t
	}
	if p.Has("UserData") {
		if err := applyUserData(&data, p.String("UserData")); err != nil {
			return data, err
		}
	}
	tags, given, err := instanceTagSpecs(p)
	if err != nil {
		return data, err
	}
	if given {
		data.Tags = tags
	}
	return data, nil
}

// instanceTagSpecs reads TagSpecification.N of ResourceType instance;
// given is false when none was sent.
func instanceTagSpecs(p Params) (tags map[string]string, given bool, err error) {
	for _, spec := range p.Structs("TagSpecification") {
		rt := spec.String("ResourceType")
		if rt != "instance" && rt != "" {
			continue
		}
		ts, err := spec.Tags("Tag")
		if err != nil {
			return nil, false, err
		}
		given = true
		for _, t := range ts {
			if tags == nil {
				tags = map[string]string{}
			}
			tags[t.Key] = t.Value
		}
	}
	return tags, given, nil
}

type ec2LaunchTemplate struct {
	ID         string   `xml:"launchTemplateId"`
	Name       string   `xml:"launchTemplateName"`
	CreateTime string   `xml:"createTime"`
	CreatedBy  string   `xml:"createdBy"`
	Default    int      `xml:"defaultVersionNumber"`
	Latest     int      `xml:"latestVersionNumber"`
	Tags       []ec2Tag `xml:"tagSet>item"`
}

const createdBy = "arn:aws:iam::" + Account + ":root"

func toEC2Template(t compute.Template) ec2LaunchTemplate {
	return ec2LaunchTemplate{ID: t.ID, Name: t.Name, CreateTime: ec2Time(t.CreatedAt), CreatedBy: createdBy,
		Default: t.DefaultVersion, Latest: t.LatestVersion}
}

type ec2TagSpec struct {
	ResourceType string   `xml:"resourceType"`
	Tags         []ec2Tag `xml:"tagSet>item"`
}

type ec2TemplateVersion struct {
	TemplateID  string `xml:"launchTemplateId"`
	Name        string `xml:"launchTemplateName"`
	Version     int    `xml:"versionNumber"`
	Description string `xml:"versionDescription,omitempty"`
	CreateTime  string `xml:"createTime"`
	CreatedBy   string `xml:"createdBy"`
	Default     bool   `xml:"defaultVersion"`
	Data        struct {
		ImageID      string       `xml:"imageId,omitempty"`
		InstanceType string       `xml:"instanceType,omitempty"`
		UserData     string       `xml:"userData,omitempty"`
		TagSpecs     []ec2TagSpec `xml:"tagSpecificationSet>item"`
	} `xml:"launchTemplateData"`
}

func toEC2Version(v compute.TemplateVersion, defaultVersion int) ec2TemplateVersion {
	out := ec2TemplateVersion{TemplateID: v.TemplateID, Name: v.TemplateName, Version: v.Version, Description: v.Description,
		CreateTime: ec2Time(v.CreatedAt), CreatedBy: createdBy, Default: v.Version == defaultVersion}
	out.Data.ImageID = v.Image
	if v.ImageRepository != "" {
		out.Data.ImageID = ImageID(v.ImageRepository, v.ImageDigest)
	}
	out.Data.InstanceType = v.InstanceType
	out.Data.UserData = userData(v.TemplateData)
	if len(v.Tags) > 0 {
		out.Data.TagSpecs = []ec2TagSpec{{ResourceType: "instance", Tags: ec2Tags(v.Tags)}}
	}
	return out
}

func createLaunchTemplate(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("LaunchTemplateName")
	if err != nil {
		return nil, err
	}
	p := r.Params.Sub("LaunchTemplateData")
	data, err := r.templateData(ctx, p, compute.TemplateData{Description: r.Params.String("VersionDescription")})
	if err != nil {
		return nil, err
	}
	if data.Image == "" {
		return nil, Errorf("MissingParameter", "cattle's launch templates need an image: give LaunchTemplateData.ImageId (an AMI id from DescribeImages, or an image reference such as builtin/demo)")
	}
	t, _, err := r.Compute.CreateTemplate(ctx, name, data)
	if errors.Is(err, errdefs.ErrConflict) {
		return nil, Errorf("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use: %s", name)
	}
	if err != nil {
		return nil, err
	}
	return struct {
		T ec2LaunchTemplate `xml:"launchTemplate"`
	}{toEC2Template(t)}, nil
}

func createLaunchTemplateVersion(ctx context.Context, r *Request) (any, error) {
	t, err := r.findTemplate(ctx, r.Params, "LaunchTemplateId", "LaunchTemplateName")
	if err != nil {
		return nil, err
	}
	var base compute.TemplateData
	if sv := r.Params.String("SourceVersion"); sv != "" {
		src, err := r.Compute.ResolveVersion(ctx, t.Name, sv)
		if err != nil {
			return nil, versionNotFound(t, sv, err)
		}
		base = src.TemplateData
	}
	base.Description = r.Params.String("VersionDescription")
	data, err := r.templateData(ctx, r.Params.Sub("LaunchTemplateData"), base)
	if err != nil {
		return nil, err
	}
	if data.Image == "" {
		return nil, Errorf("MissingParameter", "cattle's launch template versions need an image: give LaunchTemplateData.ImageId, or a SourceVersion to copy it from")
	}
	v, err := r.Compute.CreateVersionOwn(ctx, t.Name, data, false)
	if err != nil {
		return nil, err
	}
	return struct {
		V ec2TemplateVersion `xml:"launchTemplateVersion"`
	}{toEC2Version(v, t.DefaultVersion)}, nil
}

func describeLaunchTemplates(ctx context.Context, r *Request) (any, error) {
	var picked []compute.Template
	ids, names := r.Params.List("LaunchTemplateId"), r.Params.List("LaunchTemplateName")
	for _, id := range ids {
		t, err := r.findTemplate(ctx, Params{v: map[string][]string{"Id": {id}}, svc: r.Service}, "Id", "Name")
		if err != nil {
			return nil, err
		}
		picked = append(picked, t)
	}
	for _, name := range names {
		t, err := r.findTemplate(ctx, Params{v: map[string][]string{"Name": {name}}, svc: r.Service}, "Id", "Name")
		if err != nil {
			return nil, err
		}
		picked = append(picked, t)
	}
	if len(ids)+len(names) == 0 {
		all, err := r.Compute.Templates(ctx)
		if err != nil {
			return nil, err
		}
		f := r.Params.filters()
		for _, t := range all {
			if f.match("launch-template-name", t.Name) && f.matchTags(nil) {
				picked = append(picked, t)
			}
		}
	}
	start, end, next, err := r.Params.page(len(picked), 1, 200)
	if err != nil {
		return nil, err
	}
	var out struct {
		Templates []ec2LaunchTemplate `xml:"launchTemplates>item"`
		NextToken string              `xml:"nextToken,omitempty"`
	}
	for _, t := range picked[start:end] {
		out.Templates = append(out.Templates, toEC2Template(t))
	}
	out.NextToken = next
	return out, nil
}

func describeLaunchTemplateVersions(ctx context.Context, r *Request) (any, error) {
	t, err := r.findTemplate(ctx, r.Params, "LaunchTemplateId", "LaunchTemplateName")
	if err != nil {
		return nil, err
	}
	_, versions, err := r.Compute.Template(ctx, t.Name)
	if err != nil {
		return nil, err
	}
	minV, err := r.Params.Int("MinVersion", 1)
	if err != nil {
		return nil, err
	}
	maxV, err := r.Params.Int("MaxVersion", t.LatestVersion)
	if err != nil {
		return nil, err
	}
	want := map[int]bool{}
	for _, s := range r.Params.List("LaunchTemplateVersion") {
		v, err := r.Compute.ResolveVersion(ctx, t.Name, s)
		if err != nil {
			return nil, versionNotFound(t, s, err)
		}
		want[v.Version] = true
	}
	var picked []compute.TemplateVersion
	for _, v := range versions {
		if (len(want) == 0 || want[v.Version]) && v.Version >= minV && v.Version <= maxV {
			picked = append(picked, v)
		}
	}
	start, end, next, err := r.Params.page(len(picked), 1, 200)
	if err != nil {
		return nil, err
	}
	var out struct {
		Versions  []ec2TemplateVersion `xml:"launchTemplateVersionSet>item"`
		NextToken string               `xml:"nextToken,omitempty"`
	}
	for _, v := range picked[start:end] {
		out.Versions = append(out.Versions, toEC2Version(v, t.DefaultVersion))
	}
	out.NextToken = next
	return out, nil
}

func modifyLaunchTemplate(ctx context.Context, r *Request) (any, error) {
	t, err := r.findTemplate(ctx, r.Params, "LaunchTemplateId", "LaunchTemplateName")
	if err != nil {
		return nil, err
	}
	if v := r.Params.String("SetDefaultVersion"); v != "" {
		if _, err := strconv.Atoi(v); err != nil && v != compute.VersionLatest {
			return nil, r.Params.Invalid("SetDefaultVersion", v, "a version number or $Latest")
		}
		if _, err := r.Compute.ResolveVersion(ctx, t.Name, v); err != nil {
			return nil, versionNotFound(t, v, err)
		}
		if t, err = r.Compute.SetDefaultVersion(ctx, t.Name, v); err != nil {
			return nil, err
		}
	}
	return struct {
		T ec2LaunchTemplate `xml:"launchTemplate"`
	}{toEC2Template(t)}, nil
}

func deleteLaunchTemplate(ctx context.Context, r *Request) (any, error) {
	t, err := r.findTemplate(ctx, r.Params, "LaunchTemplateId", "LaunchTemplateName")
	if err != nil {
		return nil, err
	}
	if err := r.Compute.DeleteTemplate(ctx, t.Name); err != nil {
		return nil, err
	}
	return struct {
		T ec2LaunchTemplate `xml:"launchTemplate"`
	}{toEC2Template(t)}, nil
}
