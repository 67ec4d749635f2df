-- CreateTable
CREATE TABLE "PersonChange" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "txid" BIGINT NOT NULL DEFAULT 0,
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "eTag" TEXT,
    "at" DATETIME NOT NULL,
    "actorKind" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "entries" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "PersonChange_txid_id_idx" ON "PersonChange"("txid", "id");

-- CreateIndex
CREATE INDEX "PersonChange_orgId_txid_id_idx" ON "PersonChange"("orgId", "txid", "id");

-- CreateIndex
CREATE INDEX "PersonChange_orgId_personId_txid_id_idx" ON "PersonChange"("orgId", "personId", "txid", "id");
