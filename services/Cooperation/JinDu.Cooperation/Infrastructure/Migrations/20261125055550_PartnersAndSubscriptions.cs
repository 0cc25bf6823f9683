using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace JinDu.Cooperation.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class PartnersAndSubscriptions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "agreements",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    PartyA = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    PartyB = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    SharingLevels = table.Column<int[]>(type: "integer[]", nullable: false),
                    Disclosure = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RevokedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agreements", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "registered_agencies",
                columns: table => new
                {
                    Code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    DisplayName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ContactsProtected = table.Column<string>(type: "text", nullable: false),
                    LiaisonAccounts = table.Column<List<string>>(type: "text[]", nullable: false),
                    RegisteredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_registered_agencies", x => x.Code);
                });

            migrationBuilder.CreateTable(
                name: "sharing_groups",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    OwnerAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Members = table.Column<List<string>>(type: "text[]", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sharing_groups", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "subscriptions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    Agency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    Types = table.Column<int[]>(type: "integer[]", nullable: false),
                    Substances = table.Column<List<string>>(type: "text[]", nullable: false),
                    MinSeverity = table.Column<int>(type: "integer", nullable: true),
                    Regions = table.Column<List<string>>(type: "text[]", nullable: false),
                    WatchTokens = table.Column<List<string>>(type: "text[]", nullable: false),
                    WatchMasked = table.Column<List<string>>(type: "text[]", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_subscriptions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_agreements_PartyA_PartyB",
                table: "agreements",
                columns: new[] { "PartyA", "PartyB" });

            migrationBuilder.CreateIndex(
                name: "IX_agreements_PublicId",
                table: "agreements",
                column: "PublicId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_sharing_groups_OwnerAgency_Name",
                table: "sharing_groups",
                columns: new[] { "OwnerAgency", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_sharing_groups_PublicId",
                table: "sharing_groups",
                column: "PublicId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_subscriptions_Agency",
                table: "subscriptions",
                column: "Agency");

            migrationBuilder.CreateIndex(
                name: "IX_subscriptions_PublicId",
                table: "subscriptions",
                column: "PublicId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "agreements");

            migrationBuilder.DropTable(
                name: "registered_agencies");

            migrationBuilder.DropTable(
                name: "sharing_groups");

            migrationBuilder.DropTable(
                name: "subscriptions");
        }
    }
}
