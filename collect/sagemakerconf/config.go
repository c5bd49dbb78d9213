// Package sagemakerconf snapshots Amazon SageMaker configuration: models
// with their containers, artifacts and execution roles, the model
// registry's package groups and every package version, endpoint
// configurations and endpoints. The artifacts themselves are followed by
// discovery and preserved by the S3 objects source; the roles by the IAM
// roles source.
package sagemakerconf

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/smithy-go/middleware"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/collect/internal/snapshot"
	"github.com/custodyhq/custody/schemas"
)

// Source is the name of this source in bundles.
const Source = "sagemaker.config"

// API is the part of the SageMaker client this source uses. Build it with
// collect.CaptureRawBody so responses are kept byte-exact.
type API interface {
	discover.SageMakerAPI
	sagemaker.ListEndpointConfigsAPIClient
	sagemaker.ListEndpointsAPIClient
	DescribeModelPackageGroup(ctx context.Context, in *sagemaker.DescribeModelPackageGroupInput, opts ...func(*sagemaker.Options)) (*sagemaker.DescribeModelPackageGroupOutput, error)
	DescribeEndpointConfig(ctx context.Context, in *sagemaker.DescribeEndpointConfigInput, opts ...func(*sagemaker.Options)) (*sagemaker.DescribeEndpointConfigOutput, error)
	DescribeEndpoint(ctx context.Context, in *sagemaker.DescribeEndpointInput, opts ...func(*sagemaker.Options)) (*sagemaker.DescribeEndpointOutput, error)
}

// Config snapshots SageMaker's configuration, one unit per account,
// region and kind of resource.
type Config struct {
	Client func(collect.Target) (API, error)
	Now    func() time.Time
}

var _ collect.Source = (*Config)(nil)

func (*Config) Name() string { return Source }

const (
	unitModels          = "models"
	unitModelPackages   = "model-packages"
	unitEndpointConfigs = "endpoint-configs"
	unitEndpoints       = "endpoints"
)

func (c *Config) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	var units []collect.Unit
	for _, id := range []string{unitModels, unitModelPackages, unitEndpointConfigs, unitEndpoints} {
		units = append(units, collect.Unit{Source: Source, ID: id, Target: t})
	}
	return units, nil
}

func (c *Config) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	api, err := c.Client(u.Target)
	if err != nil {
		return err
	}
	switch u.ID {
	case unitModels:
		return c.models(ctx, api, u, sink)
	case unitModelPackages:
		return c.modelPackages(ctx, api, u, sink)
	case unitEndpointConfigs:
		return c.endpointConfigs(ctx, api, u, sink)
	case unitEndpoints:
		return c.endpoints(ctx, api, u, sink)
	}
	return fmt.Errorf("sagemakerconf: unknown unit %q", u.ID)
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// put snapshots one SageMaker response.
func (c *Config) put(ctx context.Context, sink collect.Sink, u collect.Unit, row *schemas.Resource, norm any, op string, md middleware.Metadata) error {
	return snapshot.Put(ctx, sink, u, c.now(), row, norm, snapshot.Call{Service: "sagemaker", Operation: op, Metadata: md})
}
