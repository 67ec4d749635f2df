-- CreateTable
CREATE TABLE "PersonChange" (
    "id" BIGSERIAL NOT NULL,
    "txid" BIGINT NOT NULL DEFAULT 0,
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "eTag" TEXT,
    "at" TIMESTAMP(3) NOT NULL,
    "actorKind" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "entries" TEXT NOT NULL,

    CONSTRAINT "PersonChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PersonChange_txid_id_idx" ON "PersonChange"("txid", "id");

-- CreateIndex
CREATE INDEX "PersonChange_orgId_txid_id_idx" ON "PersonChange"("orgId", "txid", "id");

-- CreateIndex
CREATE INDEX "PersonChange_orgId_personId_txid_id_idx" ON "PersonChange"("orgId", "personId", "txid", "id");
