package lab

import "net/http"

// allServices lists every service the server answers. A service is one
// svc_*.go file that builds its *service.
func (s *Server) allServices() []*service {
	return []*service{
		stsService(),
		organizationsService(),
		accountService(),
		ec2Service(),
		cloudtrailService(),
		kmsService(),
		bedrockService(),
		bedrockAgentService(),
		s3Service(),
		iamService(),
		logsService(),
		lambdaService(),
		sageMakerService(),
	}
}

// internalFailure is the 500 most services answer when they fail.
func internalFailure() *apiError {
	return newAPIError(http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
}

// throttling is the throttling error of most JSON services.
func throttling(status int, code string) *apiError {
	return newAPIError(status, code, "Rate exceeded")
}
