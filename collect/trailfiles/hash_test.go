package trailfiles

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"

	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

type s3Object = s3types.Object

type hexHash struct{ hash.Hash }

func sha256Hex() hexHash      { return hexHash{sha256.New()} }
func (h hexHash) hex() string { return hex.EncodeToString(h.Sum(nil)) }
