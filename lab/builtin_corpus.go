package lab

import "time"

// Fixed ids of the knowledge base over the synthetic corpus.
const (
	CorpusKnowledgeBaseID = "KBC0RPU5L9"
	CorpusDataSourceID    = "DSC0RPU5L9"
)

// CorpusBucketName is the bucket of the synthetic corpus.
func CorpusBucketName() string { return "genai-prod-kb-archive-" + ProdAccount }

// corpusKnowledgeBase adds the document archive: a bucket of
// g.o.KBObjects generated documents of g.o.KBBytes in all under
// documents/, and a knowledge base whose data source reads it. It draws
// nothing from the scenario's generator, so the rest of the scenario is
// the same with or without it.
func (g *gen) corpusKnowledgeBase(a *Account) {
	created := g.at(-200 * 24 * time.Hour)
	name := CorpusBucketName()
	a.Buckets = append(a.Buckets, &Bucket{
		Name: name, Region: "us-east-1", CreationDate: created, Versioning: "Enabled", PublicAccess: true,
		Encryption: "aws:kms", KMSKeyID: "arn:aws:kms:us-east-1:" + a.ID + ":key/" + guardrailKeyID,
		corpus: &kbCorpus{bucket: name, prefix: "documents/", n: g.o.KBObjects, total: g.o.KBBytes, modified: created.Add(24 * time.Hour)},
	})
	kbARN := "arn:aws:bedrock:us-east-1:" + a.ID + ":knowledge-base/" + CorpusKnowledgeBaseID
	a.Regions["us-east-1"].KnowledgeBases = append(a.Regions["us-east-1"].KnowledgeBases, &KnowledgeBase{
		KnowledgeBaseID: CorpusKnowledgeBaseID, Name: "document-archive-kb", KnowledgeBaseARN: kbARN,
		Description:                "Contracts and manuals archive",
		RoleARN:                    "arn:aws:iam::" + a.ID + ":role/service-role/AmazonBedrockExecutionRoleForKnowledgeBase_support",
		Status:                     "ACTIVE",
		KnowledgeBaseConfiguration: titanVectors(),
		StorageConfiguration:       openSearchStore(a.ID, "c0rpu5a8ch1ve2"),
		CreatedAt:                  created, UpdatedAt: created,
		DataSources: []*DataSource{{
			KnowledgeBaseID: CorpusKnowledgeBaseID, DataSourceID: CorpusDataSourceID, Name: "archive-s3", Status: "AVAILABLE",
			Description: "Scanned contracts and product manuals", DataDeletionPolicy: "RETAIN",
			DataSourceConfiguration: &DataSourceConfiguration{Type: "S3", S3Configuration: &S3DataSourceConfigure{
				BucketARN: "arn:aws:s3:::" + name, InclusionPrefixes: []string{"documents/"}, BucketOwnerAccountID: a.ID,
			}},
			CreatedAt: created, UpdatedAt: created,
		}},
	})
}
