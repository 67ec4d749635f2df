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
    "previousUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "lastDeliveredAt" TIMESTAMP(3),
    "failingSince" TIMESTAMP(3),
    "positionTxid" BIGINT NOT NULL,
    "positionId" BIGINT NOT NULL,
    "nextSeq" INTEGER NOT NULL DEFAULT 1,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),

    CONSTRAINT "WebhookEndpoint_pkey" PRIMARY KEY ("orgId","id")
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
    "nextAttemptAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "firstAttemptAt" TIMESTAMP(3),
    "changeAt" TIMESTAMP(3) NOT NULL,
    "body" TEXT NOT NULL,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("orgId","endpointId","seq")
);

-- CreateIndex
CREATE INDEX "WebhookDelivery_orgId_endpointId_status_seq_idx" ON "WebhookDelivery"("orgId", "endpointId", "status", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_orgId_webhookId_key" ON "WebhookDelivery"("orgId", "webhookId");

-- AddForeignKey
ALTER TABLE "WebhookEndpoint" ADD CONSTRAINT "WebhookEndpoint_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_orgId_endpointId_fkey" FOREIGN KEY ("orgId", "endpointId") REFERENCES "WebhookEndpoint"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
