-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Organization" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenSecret" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Person" (
    "orgId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "personType" TEXT NOT NULL DEFAULT 'REGULAR',
    "region" TEXT NOT NULL DEFAULT 'US_IOWA',
    "eTag" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Person_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateTable
CREATE TABLE "PersonHandle" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "normalizedValue" TEXT NOT NULL,

    CONSTRAINT "PersonHandle_pkey" PRIMARY KEY ("orgId","type","normalizedValue")
);

-- CreateTable
CREATE TABLE "PersonGroup" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "groupName" TEXT NOT NULL,

    CONSTRAINT "PersonGroup_pkey" PRIMARY KEY ("orgId","personId","groupName")
);

-- CreateTable
CREATE TABLE "Role" (
    "orgId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Role_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateTable
CREATE TABLE "PersonRole" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "roleId" TEXT NOT NULL,

    CONSTRAINT "PersonRole_pkey" PRIMARY KEY ("orgId","personId","roleId")
);

-- CreateTable
CREATE TABLE "AttributeBucket" (
    "orgId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "endUserPermissions" TEXT NOT NULL,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AttributeBucket_pkey" PRIMARY KEY ("orgId","name")
);

-- CreateTable
CREATE TABLE "PersonAttribute" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "bucket" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "PersonAttribute_pkey" PRIMARY KEY ("orgId","personId","bucket","name")
);

-- CreateTable
CREATE TABLE "UuidMetadata" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "name" TEXT,
    "externalId" TEXT,
    "profileUrl" TEXT,
    "email" TEXT,
    "type" TEXT,
    "status" TEXT,
    "custom" TEXT,
    "eTag" TEXT NOT NULL,
    "updated" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UuidMetadata_pkey" PRIMARY KEY ("orgId","personId")
);

-- CreateTable
CREATE TABLE "UserAttribute" (
    "orgId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "defaultValue" TEXT,
    "valueIsHidden" BOOLEAN NOT NULL DEFAULT false,
    "userCanView" BOOLEAN NOT NULL DEFAULT true,
    "userCanEdit" BOOLEAN NOT NULL DEFAULT false,
    "hiddenValueDomainWhitelist" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UserAttribute_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateTable
CREATE TABLE "UserAttributeGroupValue" (
    "orgId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "userAttributeId" TEXT NOT NULL,
    "groupName" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "rank" INTEGER NOT NULL,

    CONSTRAINT "UserAttributeGroupValue_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateTable
CREATE TABLE "UserAttributeValue" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "userAttributeId" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UserAttributeValue_pkey" PRIMARY KEY ("orgId","personId","userAttributeId")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE INDEX "ApiKey_orgId_idx" ON "ApiKey"("orgId");

-- CreateIndex
CREATE INDEX "Person_orgId_createdAt_id_idx" ON "Person"("orgId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "PersonHandle_orgId_personId_idx" ON "PersonHandle"("orgId", "personId");

-- CreateIndex
CREATE INDEX "PersonGroup_orgId_groupName_idx" ON "PersonGroup"("orgId", "groupName");

-- CreateIndex
CREATE UNIQUE INDEX "Role_orgId_name_key" ON "Role"("orgId", "name");

-- CreateIndex
CREATE INDEX "PersonRole_orgId_roleId_idx" ON "PersonRole"("orgId", "roleId");

-- CreateIndex
CREATE UNIQUE INDEX "UserAttribute_orgId_name_key" ON "UserAttribute"("orgId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "UserAttribute_orgId_label_key" ON "UserAttribute"("orgId", "label");

-- CreateIndex
CREATE INDEX "UserAttributeGroupValue_orgId_groupName_idx" ON "UserAttributeGroupValue"("orgId", "groupName");

-- CreateIndex
CREATE UNIQUE INDEX "UserAttributeGroupValue_orgId_userAttributeId_groupName_key" ON "UserAttributeGroupValue"("orgId", "userAttributeId", "groupName");

-- CreateIndex
CREATE UNIQUE INDEX "UserAttributeGroupValue_orgId_userAttributeId_rank_key" ON "UserAttributeGroupValue"("orgId", "userAttributeId", "rank");

-- CreateIndex
CREATE INDEX "UserAttributeValue_orgId_userAttributeId_idx" ON "UserAttributeValue"("orgId", "userAttributeId");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Person" ADD CONSTRAINT "Person_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PersonHandle" ADD CONSTRAINT "PersonHandle_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PersonGroup" ADD CONSTRAINT "PersonGroup_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Role" ADD CONSTRAINT "Role_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PersonRole" ADD CONSTRAINT "PersonRole_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PersonRole" ADD CONSTRAINT "PersonRole_orgId_roleId_fkey" FOREIGN KEY ("orgId", "roleId") REFERENCES "Role"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AttributeBucket" ADD CONSTRAINT "AttributeBucket_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PersonAttribute" ADD CONSTRAINT "PersonAttribute_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UuidMetadata" ADD CONSTRAINT "UuidMetadata_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserAttribute" ADD CONSTRAINT "UserAttribute_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserAttributeGroupValue" ADD CONSTRAINT "UserAttributeGroupValue_orgId_userAttributeId_fkey" FOREIGN KEY ("orgId", "userAttributeId") REFERENCES "UserAttribute"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserAttributeValue" ADD CONSTRAINT "UserAttributeValue_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserAttributeValue" ADD CONSTRAINT "UserAttributeValue_orgId_userAttributeId_fkey" FOREIGN KEY ("orgId", "userAttributeId") REFERENCES "UserAttribute"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
