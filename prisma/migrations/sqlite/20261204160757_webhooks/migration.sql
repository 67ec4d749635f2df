-- CreateTable
CREATE TABLE "WebhookEndpoint" (
    "orgId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "areas" TEXT,
    "personId" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "secret" TEXT NOT NULL,
    "previousSecret" TEXT,
    "previousUntil" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "lastDeliveredAt" DATETIME,
    "failingSince" DATETIME,
    "positionTxid" BIGINT NOT NULL,
    "positionId" BIGINT NOT NULL,
    "nextSeq" INTEGER NOT NULL DEFAULT 1,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,

    PRIMARY KEY ("orgId", "id"),
    CONSTRAINT "WebhookEndpoint_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "orgId" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "webhookId" TEXT NOT NULL,
    "changeCursor" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastStatusCode" INTEGER,
    "lastError" TEXT,
    "nextAttemptAt" DATETIME,
    "deliveredAt" DATETIME,
    "firstAttemptAt" DATETIME,
    "changeAt" DATETIME NOT NULL,
    "body" TEXT NOT NULL,

    PRIMARY KEY ("orgId", "endpointId", "seq"),
    CONSTRAINT "WebhookDelivery_orgId_endpointId_fkey" FOREIGN KEY ("orgId", "endpointId") REFERENCES "WebhookEndpoint" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "WebhookDelivery_orgId_endpointId_status_seq_idx" ON "WebhookDelivery"("orgId", "endpointId", "status", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_orgId_webhookId_key" ON "WebhookDelivery"("orgId", "webhookId");
