// The one explicit list of installed plugins, and the only importer of plugins/*.
// Server-only (*.server.ts): no SDK or secret can reach browser code.
import type { PluginDefinition } from "../plugins/plugin-api";
import appenv from "../plugins/appenv";
import backups from "../plugins/backups";
import cron from "../plugins/cron";
import demo from "../plugins/demo";
import deploys from "../plugins/deploys";
import firestore from "../plugins/firestore";
import http from "../plugins/http";
import mongodb from "../plugins/mongodb";
import paddle from "../plugins/paddle";
import prometheus from "../plugins/prometheus";
import redis from "../plugins/redis";
import sentry from "../plugins/sentry";
import statuspage from "../plugins/statuspage";
import stripe from "../plugins/stripe";
import supabase from "../plugins/supabase";

export const installedPlugins: readonly PluginDefinition[] = [http, stripe, firestore, supabase, paddle, cron, backups, prometheus, redis, mongodb, deploys, sentry, statuspage, appenv, demo];
