-- CreateTable
CREATE TABLE "Organization" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "tokenSecret" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "orgId" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME,
    CONSTRAINT "ApiKey_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Person" (
    "orgId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "personType" TEXT NOT NULL DEFAULT 'REGULAR',
    "region" TEXT NOT NULL DEFAULT 'US_IOWA',
    "eTag" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("orgId", "id"),
    CONSTRAINT "Person_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PersonHandle" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "normalizedValue" TEXT NOT NULL,

    PRIMARY KEY ("orgId", "type", "normalizedValue"),
    CONSTRAINT "PersonHandle_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PersonGroup" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "groupName" TEXT NOT NULL,

    PRIMARY KEY ("orgId", "personId", "groupName"),
    CONSTRAINT "PersonGroup_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Role" (
    "orgId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("orgId", "id"),
    CONSTRAINT "Role_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PersonRole" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "roleId" TEXT NOT NULL,

    PRIMARY KEY ("orgId", "personId", "roleId"),
    CONSTRAINT "PersonRole_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "PersonRole_orgId_roleId_fkey" FOREIGN KEY ("orgId", "roleId") REFERENCES "Role" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AttributeBucket" (
    "orgId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "endUserPermissions" TEXT NOT NULL,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("orgId", "name"),
    CONSTRAINT "AttributeBucket_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PersonAttribute" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "bucket" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    PRIMARY KEY ("orgId", "personId", "bucket", "name"),
    CONSTRAINT "PersonAttribute_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE
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
    "updated" DATETIME NOT NULL,

    PRIMARY KEY ("orgId", "personId"),
    CONSTRAINT "UuidMetadata_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("orgId", "id"),
    CONSTRAINT "UserAttribute_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "UserAttributeGroupValue" (
    "orgId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "userAttributeId" TEXT NOT NULL,
    "groupName" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "rank" INTEGER NOT NULL,

    PRIMARY KEY ("orgId", "id"),
    CONSTRAINT "UserAttributeGroupValue_orgId_userAttributeId_fkey" FOREIGN KEY ("orgId", "userAttributeId") REFERENCES "UserAttribute" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "UserAttributeValue" (
    "orgId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "userAttributeId" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("orgId", "personId", "userAttributeId"),
    CONSTRAINT "UserAttributeValue_orgId_personId_fkey" FOREIGN KEY ("orgId", "personId") REFERENCES "Person" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "UserAttributeValue_orgId_userAttributeId_fkey" FOREIGN KEY ("orgId", "userAttributeId") REFERENCES "UserAttribute" ("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE
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
